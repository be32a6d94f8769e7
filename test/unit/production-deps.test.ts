// A production install (`npm ci --omit=dev` beside dist/) runs both commands: every package the
// compiled code loads is a dependency, never a devDependency. Each source file is transpiled as
// `npm run build` does, so type-only imports (erased) do not count.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};
const production = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})]);

const packageOf = (specifier: string): string =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** Bare specifiers the compiled file imports (static, re-exports, dynamic with a literal). */
function runtimeImports(file: string): string[] {
  const js = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.NodeNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    fileName: file,
  }).outputText;
  const found = ts.preProcessFile(js, true, true).importedFiles.map((f) => f.fileName);
  return found.filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s));
}

test('everything src/ loads at run time is a production dependency', () => {
  const files = readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(ROOT, 'src', f));
  assert.ok(files.length > 100, `only ${files.length} source files found`);
  const missing = files.flatMap((f) =>
    runtimeImports(f)
      .map(packageOf)
      .filter((p) => !production.has(p))
      .map((p) => `${path.relative(ROOT, f)} loads ${p}`),
  );
  assert.equal(missing, [], 'packages a production install lacks');
});

test.run();
