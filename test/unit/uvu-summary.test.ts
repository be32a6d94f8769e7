import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countsByFile, parseUvu } from '../../scripts/lib/uvu-summary.ts';

test("reads passed, failed and skipped from uvu's closing block, colours or not", () => {
  const out = '\n  Total:     7\n\x1b[31m  Passed:    5\x1b[39m\n  Skipped:   1\n  Duration:  3.2ms\n';
  assert.equal(parseUvu(out), { passed: 5, failed: 2, skipped: 1 });
});

test('no closing block (a crash, a kill) reads as no counts at all, never as zero failures', () => {
  assert.is(parseUvu('file.test.ts\n• Exiting early before testing is finished.\n'), undefined);
  assert.is(parseUvu('TypeError: boom\n    at x (file.ts:1:1)\n'), undefined);
});

test('counts per file from the progress lines of a one-process run; a file that never printed is absent', () => {
  const out = 'a.test.ts\n• •   (2 / 2)\n• ✘   (1 / 2)\n\nb.test.ts\n  (0 / 0)\n\n  Total:     4\n  Passed:    3\n';
  const byFile = countsByFile(out, ['a.test.ts', 'b.test.ts', 'c.test.ts']);
  assert.equal(
    [...byFile],
    [
      ['a.test.ts', { passed: 3, total: 4 }],
      ['b.test.ts', { passed: 0, total: 0 }],
    ],
  );
});

test.run();
