import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SEED_ENV, seededRandom, xorshift32 } from '../helpers/seeded-random.ts';

const draw = (next: (max: number) => number) => Array.from({ length: 8 }, () => next(1500));

test('the same seed gives the same points; another seed other points; all within range', () => {
  assert.equal(draw(xorshift32(42)), draw(xorshift32(42)));
  assert.not.equal(draw(xorshift32(42)), draw(xorshift32(43)));
  assert.ok(draw(xorshift32(7)).every((n) => Number.isInteger(n) && n >= 0 && n < 1500));
  assert.ok(new Set(draw(xorshift32(0))).size > 1, 'seed 0 is not stuck');
});

test('a seed from the environment is used and printed; a bad one is refused', () => {
  const saved = process.env[SEED_ENV];
  const write = process.stdout.write.bind(process.stdout);
  let printed = '';
  process.stdout.write = ((s: string) => {
    printed += s;
    return true;
  }) as typeof process.stdout.write;
  try {
    process.env[SEED_ENV] = '1234';
    const r = seededRandom('unit');
    assert.is(r.seed, 1234);
    assert.equal(draw(r.int), draw(xorshift32(1234)));
    assert.is(printed, `[seed] unit: ${SEED_ENV}=1234 (from the environment)\n`);
    process.env[SEED_ENV] = 'abc';
    assert.throws(() => seededRandom('unit'), /must be a non-negative integer/);
    delete process.env[SEED_ENV];
    printed = '';
    const fresh = seededRandom('unit');
    assert.is(printed, `[seed] unit: ${SEED_ENV}=${fresh.seed}\n`);
  } finally {
    process.stdout.write = write;
    if (saved === undefined) delete process.env[SEED_ENV];
    else process.env[SEED_ENV] = saved;
  }
});

test.run();
