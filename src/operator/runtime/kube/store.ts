// The pure parts of watching and caching: object keys, an indexed in-memory store, applying a
// watch event to it, and the difference between what a stream had seen and a fresh list.
import type { KubeObject } from './client.ts';

/** What a watch stream emits: object changes, and SYNCED once its view matches a complete list. */
export type WatchEvent<T> = { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'; readonly object: T } | { readonly type: 'SYNCED' };

/** What an informer tells its subscribers, with the previous state for updates. */
export type CacheEvent<T> =
  | { readonly type: 'add'; readonly object: T }
  | { readonly type: 'update'; readonly object: T; readonly old: T }
  | { readonly type: 'delete'; readonly object: T };

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones (client-go's key). */
export function objectKey(obj: KubeObject): string {
  const { name, namespace } = obj.metadata;
  if (!name) throw new Error(`object of kind ${obj.kind ?? '?'} has no metadata.name`);
  return namespace ? `${namespace}/${name}` : name;
}

/** Splits a key made by objectKey. */
export function parseKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Values an object is indexed under, e.g. `(lv) => [lv.spec.node]`. */
export type IndexFunc<T> = (obj: T) => readonly string[];

export class ObjectStore<T extends KubeObject> {
  private readonly objects = new Map<string, T>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly indexers: Readonly<Record<string, IndexFunc<T>>> = {}) {
    for (const name of Object.keys(indexers)) this.indices.set(name, new Map());
  }

  get size(): number {
    return this.objects.size;
  }

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  keys(): IterableIterator<string> {
    return this.objects.keys();
  }

  /** Objects whose index `index` holds `value`. */
  byIndex(index: string, value: string): T[] {
    const idx = this.indices.get(index);
    if (!idx) throw new Error(`no index named ${index}; indices: ${[...this.indices.keys()].join(', ') || 'none'}`);
    return [...(idx.get(value) ?? [])].map((key) => this.objects.get(key)!);
  }

  /** Stores `obj`; returns the object it replaced. */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.objects.get(key);
    if (old) this.unindex(key, old);
    this.objects.set(key, obj);
    this.index(key, obj);
    return old;
  }

  /** Removes the object under `key`; returns it. */
  remove(key: string): T | undefined {
    const old = this.objects.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.objects.delete(key);
    return old;
  }

  private index(key: string, obj: T): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const idx = this.indices.get(name)!;
      for (const value of fn(obj)) {
        let keys = idx.get(value);
        if (!keys) idx.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const idx = this.indices.get(name)!;
      for (const value of fn(obj)) {
        const keys = idx.get(value);
        keys?.delete(key);
        if (keys?.size === 0) idx.delete(value);
      }
    }
  }
}

/**
 * Applies one watch event; returns what changed for subscribers, or undefined when nothing did
 * (an object seen again at the same resourceVersion, a delete of something never cached).
 */
export function applyWatchEvent<T extends KubeObject>(store: ObjectStore<T>, ev: WatchEvent<T>): CacheEvent<T> | undefined {
  if (ev.type === 'SYNCED') return undefined;
  if (ev.type === 'DELETED') {
    const old = store.remove(objectKey(ev.object));
    return old ? { type: 'delete', object: ev.object } : undefined;
  }
  const current = store.get(objectKey(ev.object));
  if (current && current.metadata.resourceVersion === ev.object.metadata.resourceVersion) return undefined;
  const old = store.upsert(ev.object);
  return old ? { type: 'update', object: ev.object, old } : { type: 'add', object: ev.object };
}

/**
 * The events that turn `seen` into `listed` after a relist: ADDED for new objects, MODIFIED for
 * a changed resourceVersion, and a synthesised DELETED (with the last state seen) for every
 * object that disappeared while the stream was away.
 */
export function diffSnapshot<T extends KubeObject>(seen: ReadonlyMap<string, T>, listed: readonly T[]): WatchEvent<T>[] {
  const events: WatchEvent<T>[] = [];
  const present = new Set<string>();
  for (const obj of listed) {
    const key = objectKey(obj);
    present.add(key);
    const before = seen.get(key);
    if (!before) events.push({ type: 'ADDED', object: obj });
    else if (before.metadata.resourceVersion !== obj.metadata.resourceVersion) events.push({ type: 'MODIFIED', object: obj });
  }
  for (const [key, obj] of seen) if (!present.has(key)) events.push({ type: 'DELETED', object: obj });
  return events;
}
