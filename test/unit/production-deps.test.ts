// A production install (`npm ci --omit=dev` beside dist/) runs both commands: every package the
// compiled code loads is a dependency, never a devDependency. And the operator starts without
// the heavy Kubernetes client package.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packageOf, packagesLoadedAtStart, runtimeImports } from '../helpers/runtime-imports.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};
const production = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})]);

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

test('the operator starts without @kubernetes/client-node (loaded only for exec plugins and auth providers)', () => {
  const loaded = packagesLoadedAtStart(path.join(ROOT, 'src/operator/main.ts'));
  assert.ok(loaded.has('@grpc/grpc-js'), `the walk found the operator's packages: ${[...loaded].join(', ')}`);
  assert.not.ok(loaded.has('@kubernetes/client-node'), `loaded at start: ${[...loaded].join(', ')}`);
});

test.run();
