// What a source file loads at run time, read from the JavaScript `npm run build` makes of it:
// type-only imports are erased, so they do not count.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

function compiled(file: string): string {
  return ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    fileName: file,
  }).outputText;
}

const isPackage = (s: string): boolean => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s);

/** Bare specifiers the compiled file imports (static, re-exports, dynamic with a literal). */
export function runtimeImports(file: string): string[] {
  return ts
    .preProcessFile(compiled(file), true, true)
    .importedFiles.map((f) => f.fileName)
    .filter(isPackage);
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`). */
export const packageOf = (specifier: string): string =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/**
 * Packages loaded as soon as `entry` is: its static imports and re-exports, followed through the
 * project's own files. A dynamic `import()` is not followed (it loads only when it runs).
 */
export function packagesLoadedAtStart(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = ts.createSourceFile(file, compiled(file), ts.ScriptTarget.ES2022);
    for (const statement of source.statements) {
      const specifier =
        (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
        statement.moduleSpecifier &&
        ts.isStringLiteral(statement.moduleSpecifier)
          ? statement.moduleSpecifier.text
          : undefined;
      if (!specifier) continue;
      if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier));
      else if (isPackage(specifier)) packages.add(packageOf(specifier));
    }
  };
  visit(path.resolve(entry));
  return packages;
}
