// The runner's verdicts on real uvu runs of small fixture files: a crash, a suite that ran zero
// tests, a failing hook each count as a failure, and a crash is pinned on the file that crashed.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { judgeFile, judgeFiles, Tally } from '../../scripts/lib/test-verdict.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = 'test/unit/fixtures/uvu';

/** Runs uvu (plain node: the fixtures are .mjs) on the named fixture files in one process. */
function uvu(...names: string[]): Promise<{ name: string; output: string; exitCode: number }> {
  const pattern = `^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'node_modules/uvu/bin.js'), FIXTURES, pattern, '--no-color'],
      { cwd: ROOT, timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        resolve({ name: names.join('+'), output: stdout + stderr, exitCode: err ? (typeof err.code === 'number' ? err.code : 1) : 0 });
      },
    );
  });
}

test('a passing file: its counts, no problem', async () => {
  assert.equal(judgeFile(await uvu('passing.fixture.mjs')), { counts: { passed: 2, failed: 0, skipped: 0 }, problems: [] });
});

test('a failing test is a failed count, not a problem', async () => {
  assert.equal(judgeFile(await uvu('failing.fixture.mjs')), { counts: { passed: 1, failed: 1, skipped: 0 }, problems: [] });
});

test('a file that ran zero tests (uvu: Total 0, exit 0) is a problem', async () => {
  const run = await uvu('empty.fixture.mjs');
  assert.is(run.exitCode, 0, 'uvu itself calls this a success');
  assert.equal(judgeFile(run).problems, ['empty.fixture.mjs: ran zero tests']);
});

test('a file that crashed at import is a problem naming the file and the error', async () => {
  const v = judgeFile(await uvu('import-crash.fixture.mjs'));
  assert.equal(v.counts, { passed: 0, failed: 0, skipped: 0 });
  assert.equal(v.problems, [
    'import-crash.fixture.mjs: crashed before its summary (exit 1): Error: import-crash fixture: thrown at import',
  ]);
});

test('a process that died mid-run is a crash, whatever passed before', async () => {
  const v = judgeFile(await uvu('midway-crash.fixture.mjs'));
  assert.equal(v.problems.length, 1);
  assert.match(v.problems[0]!, /^midway-crash\.fixture\.mjs: crashed before its summary \(exit 1\)/);
});

test('a failing after hook (cleanup) crashes uvu: a problem; a failing before hook fails its tests', async () => {
  const after = judgeFile(await uvu('failing-after-hook.fixture.mjs'));
  assert.match(
    after.problems.join('\n'),
    /failing-after-hook\.fixture\.mjs: crashed before its summary \(exit 1\): Error: failing-after-hook fixture: cleanup failed/,
  );
  assert.equal(judgeFile(await uvu('failing-before-hook.fixture.mjs')).counts, { passed: 0, failed: 1, skipped: 0 });
});

test('a non-zero exit with clean counts, and a killed run, are problems', () => {
  const summary = '  Total:     3\n  Passed:    3\n  Skipped:   0\n';
  assert.equal(judgeFile({ name: 'f', output: summary, exitCode: 1 }).problems, ['f: exited 1 although no test failed (a failing hook?)']);
  assert.equal(judgeFile({ name: 'f', output: summary, exitCode: 0, killedAfterMs: 60_000 }).problems, ['f: killed after 60 s']);
});

test('one process over several files: a file with zero tests or that never printed is a problem', async () => {
  const v = judgeFiles(await uvu('passing.fixture.mjs', 'empty.fixture.mjs'), [
    'empty.fixture.mjs',
    'passing.fixture.mjs',
    'gone.fixture.mjs',
  ]);
  assert.equal(v?.counts, { passed: 2, failed: 0, skipped: 0 });
  assert.equal(v?.problems, [
    'passing.fixture.mjs+empty.fixture.mjs/empty.fixture.mjs: ran zero tests',
    'passing.fixture.mjs+empty.fixture.mjs/gone.fixture.mjs: never ran',
  ]);
  assert.equal(judgeFiles({ name: 'unit', output: '  Total:     0\n  Passed:    0\n', exitCode: 0 }, [])?.problems, [
    'unit: no test file selected',
  ]);
});

test('one process over several files that crashed has no verdict: the runner reruns them one by one', async () => {
  assert.is(
    judgeFiles(await uvu('passing.fixture.mjs', 'import-crash.fixture.mjs'), ['import-crash.fixture.mjs', 'passing.fixture.mjs']),
    undefined,
  );
});

test('the closing line counts each problem as one failure and lists it above', () => {
  const t = new Tally();
  t.add({ counts: { passed: 5, failed: 1, skipped: 2 }, problems: [] });
  t.add({ counts: { passed: 0, failed: 0, skipped: 0 }, problems: ['agent/x.test.ts: crashed before its summary (exit 1): Error: boom'] });
  t.problems.push('typecheck: tsc --noEmit exited 2');
  assert.is(t.failed, 3);
  assert.is(
    t.summary(),
    [
      '[test] 2 problem(s), each counted as one failure below:',
      '  - agent/x.test.ts: crashed before its summary (exit 1): Error: boom',
      '  - typecheck: tsc --noEmit exited 2',
      '5 passed, 3 failed, 2 skipped',
      '',
    ].join('\n'),
  );
});

test.run();
