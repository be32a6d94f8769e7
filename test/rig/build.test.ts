// A second `npm run rig:build` (scripts/test.ts has already run it once) is a no-op: every
// pinned module is reported up to date and nothing is built or copied.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/common/exec.ts';
import { REPO_ROOT } from './binaries.ts';

const MODULES_DIR = path.join(REPO_ROOT, 'test/rig/go');
const test = suite('rig:build');

test('a second run reports every module up to date and builds nothing', async () => {
  const modules = (await readdir(MODULES_DIR, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  assert.ok(modules.length > 0, `modules under ${MODULES_DIR}`);
  // timeout(1) signals its whole process group: were this not a no-op, the go builds it started
  // would be killed with it instead of running on (a cold build takes 10+ minutes).
  const { stdout, stderr } = await run('timeout', ['-s', 'KILL', '120', 'bash', path.join(REPO_ROOT, 'scripts/rig/build')], {
    timeoutMs: 130_000,
  });
  const output = `${stdout}${stderr}`;
  for (const mod of modules) assert.match(output, new RegExp(`^rig:build: ${mod} up to date`, 'm'), `${mod} up to date`);
  assert.not.match(output, /building|copied from the cache/, 'nothing built or copied');
  assert.match(output, /^rig:build: done in \d+ s/m);
});

test.run();
