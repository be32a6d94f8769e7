// Exponential backoff with a cap and optional jitter, shared by watch reconnects (jittered, so a
// fleet of watchers does not reconnect in lock-step) and the work queue's per-key retries.

export interface BackoffOptions {
  /** Delay of the first retry. @default 100 */
  readonly baseMs?: number;
  /** Largest delay ever returned. @default 30_000 */
  readonly capMs?: number;
  /** Fraction of the delay taken off at random, 0 (none) to 1. @default 0 */
  readonly jitter?: number;
}

/** Delay before retry number `attempt` (0-based): min(cap, base·2^attempt), less up to `jitter` of it. */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = opts.baseMs ?? 100;
  const cap = opts.capMs ?? 30_000;
  const jitter = opts.jitter ?? 0;
  if (!(base > 0) || !(cap >= base)) throw new Error(`backoff needs 0 < baseMs <= capMs, got baseMs=${base} capMs=${cap}`);
  if (!(jitter >= 0 && jitter <= 1)) throw new Error(`backoff jitter must be within [0, 1], got ${jitter}`);
  // 2^attempt overflows to Infinity for huge attempts; min() keeps it at the cap.
  const delay = Math.min(cap, base * 2 ** Math.max(0, attempt));
  return delay * (1 - jitter * random());
}

/** Resolves after `ms`, or at once (without rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
