import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkName, checkSize } from '../../src/agent/validate.ts';
import { AgentError } from '../../src/agent-api/errors.ts';

const kindOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof AgentError ? err.kind : 'other';
  }
  return undefined;
};

test('names: DNS-label alphabet accepted', () => {
  for (const ok of ['a', 'pvc-1234', 'fast-nvme', '0abc9', 'x'.repeat(63)]) assert.is(checkName('volume', ok), ok);
});

test('names: shell metacharacters, path separators, reserved and oversize refused as InvalidArgument', () => {
  for (const bad of [
    '',
    'a;b',
    'a b',
    '$(id)',
    '`id`',
    'a/b',
    '../x',
    'a|b',
    'A',
    'a_b',
    '-a',
    'a-',
    'a\nb',
    'snapshot',
    'pvmove0',
    'x'.repeat(64),
    5,
    null,
  ]) {
    assert.is(
      kindOf(() => checkName('volume', bad)),
      'InvalidArgument',
      String(bad),
    );
  }
});

test('name messages say which object and value', () => {
  try {
    checkName('pool', 'a/b');
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /pool name "a\/b"/);
  }
});

test('sizes: uint64 strings and numbers become bigint; zero, negative, fractions and junk refused', () => {
  assert.is(checkSize('v', '2199023255552'), 2199023255552n);
  assert.is(checkSize('v', 5), 5n);
  assert.is(checkSize('v', '18446744073709551615'), 18446744073709551615n);
  for (const bad of ['0', 0, '-1', '1.5', 1.5, 'abc', '', '1e3x'])
    assert.is(
      kindOf(() => checkSize('v', bad)),
      'InvalidArgument',
      String(bad),
    );
});

test.run();
