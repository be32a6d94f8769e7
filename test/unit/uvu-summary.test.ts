import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseUvu } from '../../scripts/lib/uvu-summary.ts';

test('reads passed, failed and skipped from uvu\'s closing block, colours or not', () => {
  const out = '\n  Total:     7\n\x1b[31m  Passed:    5\x1b[39m\n  Skipped:   1\n  Duration:  3.2ms\n';
  assert.equal(parseUvu(out, 1), { passed: 5, failed: 2, skipped: 1 });
});

test('a crash before the summary, or a failing hook with clean counts, is a failure', () => {
  assert.equal(parseUvu('TypeError: boom', 1), { passed: 0, failed: 1, skipped: 0 });
  assert.equal(parseUvu('  Total:     3\n  Passed:    3\n  Skipped:   0\n', 1), { passed: 3, failed: 1, skipped: 0 });
  assert.equal(parseUvu('  Total:     3\n  Passed:    3\n  Skipped:   0\n', 0), { passed: 3, failed: 0, skipped: 0 });
});

test.run();
