// A controller: informers feed keys into a work queue, workers run the reconcile function, and
// one switch turns its outcome into queue behaviour and one metric label (controller-runtime's
// reconcileHandler). Workers start only once every cache has synced.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Subscription } from 'rxjs';
import { createLogger, type Logger } from '../../common/log.ts';
import type { BackoffOptions } from './backoff.ts';
import { isConflict, type KubeObject } from './kube/client.ts';
import type { Informer } from './kube/informer.ts';
import { objectKey, type CacheEvent } from './kube/store.ts';
import { sharedMetrics, type OperatorMetrics } from './metrics.ts';
import { WorkQueue } from './queue.ts';

/** What a reconcile returns: nothing (done) or a requeue after `requeueAfter` ms. Throwing retries with backoff. */
export type ReconcileResult = void | { readonly requeueAfter?: number };

/** A failure retrying cannot fix (bad spec): reported, not requeued. */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export interface ReconcileContext {
  /** Logger carrying the kind, the key and this reconcile's id. */
  readonly log: Logger;
  readonly reconcileId: string;
}

export type Reconciler = (key: string, ctx: ReconcileContext) => Promise<ReconcileResult>;

/** Maps a secondary object to the keys of the primaries to reconcile. */
export type KeyMapper<S> = (obj: S) => readonly string[];

/** Whether an update from `old` to `next` is worth a reconcile (adds and deletes always are). */
export type UpdateFilter<T> = (old: T, next: T) => boolean;

export interface SecondaryWatch<S extends KubeObject> {
  readonly informer: Informer<S>;
  readonly map: KeyMapper<S>;
  /** @default every update counts */
  readonly updates?: UpdateFilter<S>;
}

export interface ControllerOptions<T extends KubeObject> {
  /** Kind reconciled: the `kind` label of the metrics and the queue's name. */
  readonly kind: string;
  readonly informer: Informer<T>;
  readonly reconcile: Reconciler;
  /** Updates of a primary that requeue it. @default every update */
  readonly updates?: UpdateFilter<T>;
  /** Other informers whose changes requeue primaries. @default none */
  readonly secondaries?: readonly SecondaryWatch<any>[];
  /** Concurrent reconciles (never two for one key). @default 1 */
  readonly workers?: number;
  /** Give up starting when caches have not synced by then. @default 120_000 */
  readonly syncTimeoutMs?: number;
  /** Per-key retry backoff. @default the queue's (5 ms doubling to 5 min) */
  readonly backoff?: BackoffOptions;
  readonly log?: Logger;
  readonly metrics?: OperatorMetrics;
}

type Outcome =
  | { readonly result: 'success' }
  | { readonly result: 'requeue_after'; readonly delayMs: number }
  | { readonly result: 'error'; readonly err: Error }
  | { readonly result: 'terminal_error'; readonly err: Error };

export class Controller<T extends KubeObject> {
  readonly queue: WorkQueue;
  private readonly log: Logger;
  private readonly metrics: OperatorMetrics;
  private readonly subscriptions: Subscription[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly opts: ControllerOptions<T>) {
    this.log = (opts.log ?? createLogger('operator')).child({ controller: opts.kind });
    this.metrics = opts.metrics ?? sharedMetrics();
    this.queue = new WorkQueue({ name: opts.kind, backoff: opts.backoff, metrics: this.metrics });
  }

  /** Starts the informers (shared ones may already run; stopping them is their owner's job), waits for their caches, then starts the workers. */
  async start(): Promise<void> {
    if (this.running !== undefined) throw new Error(`controller ${this.opts.kind} already started`);
    const enqueue = (keys: readonly string[]) =>
      keys.forEach((k) => {
        this.queue.add(k);
      });
    const counts = <S>(filter: UpdateFilter<S> | undefined, ev: CacheEvent<S>) =>
      ev.type !== 'update' || !filter || filter(ev.old, ev.object);
    this.subscriptions.push(
      this.opts.informer.events$.subscribe((ev) => {
        if (counts(this.opts.updates, ev)) enqueue([objectKey(ev.object)]);
      }),
    );
    for (const s of this.opts.secondaries ?? [])
      this.subscriptions.push(
        s.informer.events$.subscribe((ev) => {
          if (counts(s.updates, ev)) enqueue(mapEvent(s.map, ev));
        }),
      );
    const informers = [this.opts.informer, ...(this.opts.secondaries ?? []).map((s) => s.informer)];
    informers.forEach((i) => {
      i.start();
    });
    const timeoutMs = this.opts.syncTimeoutMs ?? 120_000;
    try {
      await Promise.all(informers.map((i) => i.waitForSync(timeoutMs)));
    } catch (err) {
      this.stopSubscriptions();
      throw new Error(`controller ${this.opts.kind}: caches not synced within ${timeoutMs} ms`, { cause: err });
    }
    // A shared informer may have been started (and delivered its initial adds) by another
    // controller before this one subscribed: every cached primary is reconciled once at start.
    enqueue(this.opts.informer.keys());
    this.log.info({ workers: this.opts.workers ?? 1 }, 'caches synced: starting workers');
    this.running = this.queue.process(this.opts.workers ?? 1, (key) => this.reconcileHandler(key));
  }

  /** Stops feeding the queue, lets running reconciles finish (bounded), and stops the workers. */
  async stop(timeoutMs = 30_000): Promise<boolean> {
    this.stopSubscriptions();
    const finished = await this.queue.shutdown({ drain: false, timeoutMs });
    if (!finished) this.log.warn({ timeoutMs }, 'reconciles still running at shutdown');
    return finished;
  }

  private stopSubscriptions(): void {
    this.subscriptions.splice(0).forEach((s) => {
      s.unsubscribe();
    });
  }

  private async reconcileHandler(key: string): Promise<void> {
    const reconcileId = randomUUID();
    const log = this.log.child({ key, reconcileId });
    const kind = this.opts.kind;
    const started = performance.now();
    const outcome = await this.runReconcile(key, { log, reconcileId });
    this.metrics.reconcileDuration.observe({ kind }, (performance.now() - started) / 1000);
    this.metrics.reconcileTotal.inc({ kind, result: outcome.result });
    switch (outcome.result) {
      case 'success':
        this.queue.forget(key);
        break;
      case 'requeue_after':
        this.queue.forget(key);
        this.queue.addAfter(key, outcome.delayMs);
        break;
      case 'error': {
        this.metrics.reconcileErrors.inc({ kind });
        const delayMs = this.queue.addRateLimited(key);
        // A conflict only means the cache was behind a write: routine, and retried on fresh data.
        const level = isConflict(outcome.err) ? 'debug' : 'error';
        log[level]({ err: outcome.err, retryInMs: Math.round(delayMs), retries: this.queue.retries(key) }, 'reconcile failed: retrying');
        break;
      }
      case 'terminal_error':
        this.metrics.reconcileErrors.inc({ kind });
        this.queue.forget(key);
        log.error({ err: outcome.err }, 'reconcile failed: not retrying');
        break;
    }
  }

  /** Runs the reconciler; any throw (a "panic" included) becomes an outcome, never a crash. */
  private async runReconcile(key: string, ctx: ReconcileContext): Promise<Outcome> {
    try {
      const res = await this.opts.reconcile(key, ctx);
      const delayMs = res?.requeueAfter;
      if (delayMs !== undefined && !(delayMs >= 0))
        return { result: 'terminal_error', err: new TerminalError(`reconcile of ${key} returned requeueAfter=${delayMs}`) };
      return delayMs ? { result: 'requeue_after', delayMs } : { result: 'success' };
    } catch (thrown) {
      const err = thrown instanceof Error ? thrown : new Error(`reconcile of ${key} threw a non-error: ${String(thrown)}`);
      return err instanceof TerminalError ? { result: 'terminal_error', err } : { result: 'error', err };
    }
  }
}

function mapEvent<S>(map: KeyMapper<S>, ev: CacheEvent<S>): readonly string[] {
  // An update can move a secondary between owners: requeue both the old and the new.
  const keys = ev.type === 'update' ? [...map(ev.old), ...map(ev.object)] : map(ev.object);
  return [...new Set(keys)];
}

/** Keys of the owners of `kind` named in an object's ownerReferences (same namespace). */
export function ownerKeys(kind: string): KeyMapper<KubeObject> {
  return (obj) =>
    (obj.metadata.ownerReferences ?? [])
      .filter((ref) => ref.kind === kind)
      .map((ref) => (obj.metadata.namespace ? `${obj.metadata.namespace}/${ref.name}` : ref.name));
}

/** An update that changed more than status (spec, labels, annotations, finalizers, deletion): what a status write of our own never does. */
export function beyondStatus(old: KubeObject, next: KubeObject): boolean {
  const a = old.metadata;
  const b = next.metadata;
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    !isDeepStrictEqual(a.finalizers, b.finalizers) ||
    !isDeepStrictEqual(a.labels, b.labels) ||
    !isDeepStrictEqual(a.annotations, b.annotations)
  );
}
