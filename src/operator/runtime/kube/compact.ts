// What the operator's caches keep of an object, kept small: with 10,000 volumes the cache is most
// of the operator's memory. JSON.parse gives every string value its own copy, and most of a
// LocalVolume's or VolumeReplica's strings repeat across objects (apiVersion, kind, finalizer,
// pool and node names, sizes, phases, condition reasons and messages) or within a pair (the volume
// name in its replica's label, owner reference and spec). Cached objects share one copy of each.
import type { KubeObject } from './client.ts';

/** Longer strings are kept as they are: rarely repeated, and not worth a table entry. */
const MAX_SHARED_LENGTH = 128;

/**
 * A table of strings in two generations: a string found in either is shared and moves to the
 * newer; when the newer holds `capacity` strings the older is dropped. Strings that recur stay;
 * one-off ones (uids, resourceVersions) leave within two generations, so the table never grows
 * past 2 × capacity, however many objects pass through.
 */
export class StringTable {
  private current = new Map<string, string>();
  private previous = new Map<string, string>();

  constructor(private readonly capacity = 8192) {}

  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** The table's copy of `s`, which becomes the copy from now on if the table had none. */
  share(s: string): string {
    if (s.length > MAX_SHARED_LENGTH) return s;
    const kept = this.current.get(s);
    if (kept !== undefined) return kept;
    const older = this.previous.get(s) ?? s;
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(older, older);
    return older;
  }
}

const shared = new StringTable();

/**
 * The object as the cache keeps it: without managedFields (server-side apply's bookkeeping, often
 * the larger part of an object, which nothing here reads; an update without them leaves the
 * server's record as it was), its string values shared through `table`. The metadata is a copy
 * rather than `delete`d from: V8 turns an object that loses a property into a hash table, a
 * quarter more memory per cached object.
 */
export function compactForCache<T extends KubeObject>(obj: T, table: StringTable = shared): T {
  const { managedFields: _, ...metadata } = obj.metadata as KubeObject['metadata'] & { managedFields?: unknown };
  obj.metadata = metadata;
  shareStrings(obj as unknown as Record<string, unknown>, table);
  return obj;
}

function shareStrings(node: Record<string, unknown> | unknown[], table: StringTable): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const v = node[i];
      if (typeof v === 'string') node[i] = table.share(v);
      else if (v !== null && typeof v === 'object') shareStrings(v as Record<string, unknown>, table);
    }
    return;
  }
  for (const key in node) {
    const v = node[key];
    if (typeof v === 'string') node[key] = table.share(v);
    else if (v !== null && typeof v === 'object') shareStrings(v as Record<string, unknown>, table);
  }
}
