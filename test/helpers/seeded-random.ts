// Reproducible randomness for tests: a seed from STRATUM_TEST_SEED or a fresh one, printed, so a
// failure at a random point can be replayed with the same points.
import { randomInt } from 'node:crypto';

export const SEED_ENV = 'STRATUM_TEST_SEED';

export interface SeededRandom {
  readonly seed: number;
  /** An integer in [0, max). */
  int(max: number): number;
}

/** A generator seeded from the environment (or freshly); prints `[seed] <what>: STRATUM_TEST_SEED=<n>`. */
export function seededRandom(what: string): SeededRandom {
  const fromEnv = process.env[SEED_ENV];
  if (fromEnv !== undefined && !/^\d+$/.test(fromEnv))
    throw new Error(`${SEED_ENV} must be a non-negative integer, got ${JSON.stringify(fromEnv)}`);
  const seed = fromEnv !== undefined ? Number(fromEnv) >>> 0 : randomInt(1, 2 ** 32);
  process.stdout.write(`[seed] ${what}: ${SEED_ENV}=${seed}${fromEnv !== undefined ? ' (from the environment)' : ''}\n`);
  return { seed, int: xorshift32(seed) };
}

/** Marsaglia's xorshift32: enough to pick test timings, not for anything secret. */
export function xorshift32(seed: number): (max: number) => number {
  let state = seed >>> 0 || 0x9e3779b9; // zero is a fixed point
  return (max) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return Math.floor((state / 2 ** 32) * max);
  };
}
