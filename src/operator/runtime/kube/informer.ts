// An in-memory cache fed by a shared watch stream: reconcilers read it instead of calling the
// API, and subscribe to its add/update/delete events (with the old state for updates).
import { type Observable, Subject, type Subscription } from 'rxjs';
import type { KubeClient, KubeObject, ResourceType } from './client.ts';
import { applyWatchEvent, ObjectStore, type CacheEvent, type IndexFunc, type WatchEvent } from './store.ts';
import { watchResource, type WatchOptions } from './watch.ts';

export interface InformerOptions<T> extends WatchOptions {
  /** Secondary indices, e.g. `{ node: (lv) => [lv.spec.node] }`. @default none */
  readonly indexers?: Readonly<Record<string, IndexFunc<T>>>;
}

export class Informer<T extends KubeObject> {
  private readonly store: ObjectStore<T>;
  private readonly changes = new Subject<CacheEvent<T>>();
  private readonly syncWaiters = new Set<() => void>();
  private subscription: Subscription | undefined;
  private synced = false;

  /** Cache changes, in order. Subscribe before start() to see the initial adds. */
  readonly events$: Observable<CacheEvent<T>> = this.changes.asObservable();

  constructor(
    private readonly source: Observable<WatchEvent<T>>,
    indexers: Readonly<Record<string, IndexFunc<T>>> = {},
  ) {
    this.store = new ObjectStore(indexers);
  }

  /** An informer on the shared stream of `rt`. */
  static for<T extends KubeObject>(client: KubeClient, rt: ResourceType, opts: InformerOptions<T> = {}): Informer<T> {
    return new Informer(watchResource<T>(client, rt, opts), opts.indexers);
  }

  start(): void {
    if (this.subscription) return;
    this.subscription = this.source.subscribe({
      next: (ev) => this.apply(ev),
      error: (err) => this.changes.error(err),
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  /** True once the cache has held a complete list (it stays true across relists, as in client-go). */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once synced; rejects after `timeoutMs`. */
  waitForSync(timeoutMs: number): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.syncWaiters.delete(done);
        reject(new Error(`cache not synced after ${timeoutMs} ms`));
      }, timeoutMs);
      this.syncWaiters.add(done);
    });
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return this.store.list();
  }

  keys(): string[] {
    return [...this.store.keys()];
  }

  byIndex(index: string, value: string): T[] {
    return this.store.byIndex(index, value);
  }

  private apply(ev: WatchEvent<T>): void {
    if (ev.type === 'SYNCED') {
      if (this.synced) return;
      this.synced = true;
      for (const resolve of this.syncWaiters) resolve();
      this.syncWaiters.clear();
      return;
    }
    const change = applyWatchEvent(this.store, ev);
    if (change) this.changes.next(change);
  }
}
