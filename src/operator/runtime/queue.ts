// A work queue with client-go's guarantees: a key waits at most once (duplicates fold), a key
// being processed is never handed to a second worker (re-adds wait and then run once), failures
// back off per key up to a cap and are forgotten on success, and addAfter schedules a requeue.
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { sharedMetrics, type OperatorMetrics } from './metrics.ts';

export interface WorkQueueOptions {
  /** Label of this queue's metrics. */
  readonly name: string;
  /** Per-key retry delays. @default { baseMs: 5, capMs: 300_000 } (5 ms doubling to 5 min) */
  readonly backoff?: BackoffOptions;
  readonly metrics?: OperatorMetrics;
}

export interface ShutdownOptions {
  /** Let waiting keys be processed before stopping. @default true */
  readonly drain?: boolean;
  /** Stop waiting for workers after this long. @default 30_000 */
  readonly timeoutMs?: number;
}

export class WorkQueue {
  readonly name: string;
  private readonly backoff: BackoffOptions;
  private readonly metrics: OperatorMetrics;
  private items: string[] = [];
  private head = 0;
  /** Keys waiting to be processed, with the time they were added. */
  private readonly dirty = new Map<string, number>();
  private readonly processing = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private readonly idleWaiters = new Set<() => void>();
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions) {
    this.name = opts.name;
    this.backoff = opts.backoff ?? { baseMs: 5, capMs: 300_000 };
    backoffDelay(0, this.backoff);
    this.metrics = opts.metrics ?? sharedMetrics();
  }

  /** Keys waiting (not counting those being processed or scheduled for later). */
  get length(): number {
    return this.items.length - this.head;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.set(key, Date.now());
    this.metrics.queueAdds.inc({ name: this.name });
    // Processing now: done() queues it once the current run ends.
    if (this.processing.has(key)) return;
    this.items.push(key);
    this.updateDepth();
    this.wake();
  }

  /** Adds `key` after `delayMs`; with several pending, the earliest wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    this.timers.set(key, { at, timer });
  }

  /** Requeues a failed key after its backoff (which grows with each failure); returns the delay. */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = backoffDelay(n, this.backoff);
    this.metrics.queueRetries.inc({ name: this.name });
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets `key`'s backoff (call on success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Failures of `key` since it was last forgotten. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key, waiting for one; undefined once the queue shuts down. Call done(key) after. */
  get(): Promise<string | undefined> {
    if (this.length > 0) return Promise.resolve(this.take());
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Ends processing of `key`; if it was added meanwhile, it is queued again now. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.items.push(key);
      this.updateDepth();
      this.wake();
    }
    if (this.processing.size === 0) for (const idle of this.idleWaiters) idle();
  }

  /**
   * Runs `workers` loops of get → fn → done until shutdown. A rejection of `fn` requeues the key
   * with backoff; fn should decide itself (forget / addAfter / addRateLimited) and not reject.
   */
  async process(workers: number, fn: (key: string) => Promise<void>): Promise<void> {
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a positive integer, got ${workers}`);
    const worker = async () => {
      for (let key = await this.get(); key !== undefined; key = await this.get()) {
        const started = performance.now();
        try {
          await fn(key);
        } catch {
          this.addRateLimited(key);
        } finally {
          this.metrics.queueWorkDuration.observe({ name: this.name }, (performance.now() - started) / 1000);
          this.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
  }

  /**
   * Stops taking adds and cancels scheduled ones. With drain, workers finish the waiting keys;
   * without, they stop after their current key. Resolves true when all work ended in time.
   */
  async shutdown(opts: ShutdownOptions = {}): Promise<boolean> {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    if (opts.drain === false) {
      this.dirty.clear();
      this.items = [];
      this.head = 0;
      this.updateDepth();
    }
    for (const resolve of this.getters.splice(0)) resolve(undefined);
    const idle = () => this.processing.size === 0 && this.length === 0;
    if (idle()) return true;
    return new Promise((resolve) => {
      const check = () => {
        if (!idle()) return;
        finish(true);
      };
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.idleWaiters.delete(check);
        resolve(ok);
      };
      const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 30_000);
      this.idleWaiters.add(check);
    });
  }

  private take(): string {
    const key = this.items[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    const addedAt = this.dirty.get(key)!;
    this.dirty.delete(key);
    this.processing.add(key);
    this.metrics.queueLatency.observe({ name: this.name }, (Date.now() - addedAt) / 1000);
    this.updateDepth();
    return key;
  }

  private wake(): void {
    while (this.getters.length > 0 && this.length > 0) this.getters.shift()!(this.take());
  }

  private updateDepth(): void {
    this.metrics.queueDepth.set({ name: this.name }, this.length);
  }
}
