import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QuantityError, formatBytes, formatBytesRounded, parseQuantity, roundUp } from '../../src/api/quantity.ts';
import { QUANTITY_PATTERN } from '../../src/api/schema-parts.ts';

test('parses binary and decimal suffixes exactly', () => {
  assert.is(parseQuantity('10Gi'), 10n * 2n ** 30n);
  assert.is(parseQuantity('1.5Gi'), 3n * 2n ** 29n);
  assert.is(parseQuantity('500M'), 500_000_000n);
  assert.is(parseQuantity('1k'), 1000n);
  assert.is(parseQuantity('8Ei'), 8n * 2n ** 60n);
  assert.is(parseQuantity('123'), 123n);
});

test('fractions round up to a whole byte', () => {
  assert.is(parseQuantity('0.5'), 1n);
  assert.is(parseQuantity('1.0001k'), 1001n);
});

test('refuses what is not a size, with the value in the message', () => {
  for (const bad of ['-1Gi', '10GB', '', 'big', '1e3', '1.Gi']) {
    assert.throws(
      () => parseQuantity(bad),
      (e: Error) => e instanceof QuantityError && e.message.includes(`"${bad}"`),
    );
  }
});

test('every string the CRD pattern accepts parses', () => {
  const pattern = new RegExp(QUANTITY_PATTERN);
  for (const q of ['1', '10Gi', '0.5Ti', '.5G', '7E']) {
    assert.ok(pattern.test(q), q);
    assert.ok(parseQuantity(q) > 0n, q);
  }
});

test('formats bytes in the shortest exact binary form', () => {
  assert.is(formatBytes(10n * 2n ** 30n), '10Gi');
  assert.is(formatBytes(1536n * 2n ** 20n), '1536Mi');
  assert.is(formatBytes('4194304'), '4Mi');
  assert.is(formatBytes(1000), '1000');
  assert.is(formatBytes(0n), '0');
  assert.is(parseQuantity(formatBytes(123456789n)), 123456789n);
});

test('formats a size to read in the largest unit, one decimal, rounded down', () => {
  assert.is(formatBytesRounded(10n * 2n ** 30n), '10Gi');
  assert.is(formatBytesRounded(1536n * 2n ** 20n), '1.5Gi');
  // A 1 GiB xfs as statfs reports it: 1006632960 bytes is 960 MiB.
  assert.is(formatBytesRounded(1006632960n), '960Mi');
  assert.is(formatBytesRounded(2n ** 30n - 1n), '1023.9Mi', 'never rounded up to 1Gi');
  assert.is(formatBytesRounded('1031168'), '1007Ki');
  assert.is(formatBytesRounded(1000), '1000');
  assert.is(formatBytesRounded(0n), '0');
  for (const q of ['1.5Gi', '1023.9Mi']) assert.ok(parseQuantity(q) > 0n, `${q} is a quantity`);
});

test('rounds up to an extent', () => {
  assert.is(roundUp(1n, 4n * 2n ** 20n), 4n * 2n ** 20n);
  assert.is(roundUp(8n * 2n ** 20n, 4n * 2n ** 20n), 8n * 2n ** 20n);
  assert.is(roundUp(8n * 2n ** 20n + 1n, 4n * 2n ** 20n), 12n * 2n ** 20n);
  assert.is(roundUp(10_000_000n, 4n * 2n ** 20n), 12_582_912n);
});

test.run();
