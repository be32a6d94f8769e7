// List-then-watch as an RxJS Observable. One shared stream per (resource, namespace, selectors)
// and client: the first subscriber starts it, the last unsubscribe aborts the request. A late
// subscriber first gets the objects seen so far as ADDED (and SYNCED), then live events.
//
// Recovery: a 410 Gone (HTTP or an in-stream ERROR) or a broken connection relists and emits
// the differences against what the stream had seen, deletes during the gap included; failures
// back off exponentially with jitter up to a cap. A watch the server ends normally (its timeout)
// resumes from the last resourceVersion without a relist.
import { Observable, share } from 'rxjs';
import type { Logger } from '../../../common/log.ts';
import { createLogger } from '../../../common/log.ts';
import { backoffDelay, sleep, type BackoffOptions } from '../backoff.ts';
import { sharedMetrics, type OperatorMetrics } from '../metrics.ts';
import { KubeApiError, isGone, resourcePath, type KubeClient, type KubeList, type KubeObject, type ResourceType } from './client.ts';
import { compactForCache } from './compact.ts';
import { diffSnapshot, objectKey, type WatchEvent } from './store.ts';

export interface WatchOptions {
  /** Only this namespace. @default all namespaces */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Objects per list page. @default 500 */
  readonly pageSize?: number;
  /** Reconnect backoff. @default { baseMs: 200, capMs: 30_000, jitter: 0.5 } */
  readonly backoff?: BackoffOptions;
  /** Server-side watch timeout; randomised ×[1, 2) so watchers do not expire together. @default 300 */
  readonly watchTimeoutSeconds?: number;
  readonly log?: Logger;
  readonly metrics?: OperatorMetrics;
}

interface StreamState<T> {
  readonly seen: Map<string, T>;
  synced: boolean;
}

const registry = new WeakMap<KubeClient, Map<string, Observable<WatchEvent<KubeObject>>>>();

/** The shared stream for this resource and selection (options of the first caller apply). */
export function watchResource<T extends KubeObject>(
  client: KubeClient,
  rt: ResourceType,
  opts: WatchOptions = {},
): Observable<WatchEvent<T>> {
  const id = `${resourcePath(rt, opts.namespace)}?l=${opts.labelSelector ?? ''}&f=${opts.fieldSelector ?? ''}`;
  let streams = registry.get(client);
  if (!streams) registry.set(client, (streams = new Map()));
  let stream = streams.get(id);
  if (!stream) streams.set(id, (stream = replayingStream(client, rt, opts)));
  return stream as Observable<WatchEvent<T>>;
}

function replayingStream<T extends KubeObject>(client: KubeClient, rt: ResourceType, opts: WatchOptions): Observable<WatchEvent<T>> {
  let current: StreamState<T> | undefined;
  const live = new Observable<WatchEvent<T>>((sub) => {
    const state: StreamState<T> = (current = { seen: new Map(), synced: false });
    const abort = new AbortController();
    listAndWatch(client, rt, opts, state, (ev) => sub.next(ev), abort.signal).then(
      () => sub.complete(),
      (err) => sub.error(err),
    );
    return () => {
      abort.abort();
      if (current === state) current = undefined;
    };
  }).pipe(share());
  return new Observable<WatchEvent<T>>((sub) => {
    const state = current;
    if (state) {
      for (const object of state.seen.values()) sub.next({ type: 'ADDED', object });
      if (state.synced) sub.next({ type: 'SYNCED' });
    }
    return live.subscribe(sub);
  });
}

async function listAndWatch<T extends KubeObject>(
  client: KubeClient,
  rt: ResourceType,
  opts: WatchOptions,
  state: StreamState<T>,
  emit: (ev: WatchEvent<T>) => void,
  signal: AbortSignal,
): Promise<void> {
  const resource = rt.plural + (rt.apiVersion.includes('/') ? `.${rt.apiVersion.split('/')[0]}` : '');
  const log = (opts.log ?? createLogger('watch')).child({ resource, namespace: opts.namespace });
  const metrics = opts.metrics ?? sharedMetrics();
  const backoff = opts.backoff ?? { baseMs: 200, capMs: 30_000, jitter: 0.5 };
  const deliver = (ev: WatchEvent<T>) => {
    if (ev.type !== 'SYNCED') {
      const key = objectKey(ev.object);
      if (ev.type === 'DELETED') state.seen.delete(key);
      else state.seen.set(key, ev.object);
      metrics.watchEvents.inc({ resource, type: ev.type });
    }
    emit(ev);
  };
  let resourceVersion: string | undefined;
  let failures = 0;
  const progress = { lines: 0 };
  while (!signal.aborted) {
    progress.lines = 0;
    try {
      if (resourceVersion === undefined) {
        const list = await listAll<T>(client, rt, opts, signal);
        for (const ev of diffSnapshot(state.seen, list.items)) deliver(ev);
        resourceVersion = list.resourceVersion;
        state.synced = true;
        deliver({ type: 'SYNCED' });
      }
      const started = Date.now();
      resourceVersion = await watchFrom(client, rt, opts, resourceVersion, deliver, signal, progress);
      // A stream closed at once with nothing in it is a failure, or we would spin on it.
      if (!signal.aborted && progress.lines === 0 && Date.now() - started < 1000) throw new Error('watch closed by the server at once');
      if (progress.lines > 0) failures = 0;
    } catch (err) {
      if (signal.aborted) break;
      // A watch that worked for a while before breaking starts its backoff afresh.
      if (progress.lines > 0) failures = 0;
      metrics.watchRestarts.inc({ resource });
      const gone = isGone(err);
      // The first 410 relists at once; anything else (or 410 again) waits.
      const delay = gone && failures === 0 ? 0 : backoffDelay(failures, backoff);
      failures++;
      log.warn({ err: (err as Error).message, gone, delayMs: Math.round(delay), failures }, 'watch interrupted: relisting');
      resourceVersion = undefined;
      await sleep(delay, signal);
    }
  }
}

async function listAll<T extends KubeObject>(
  client: KubeClient,
  rt: ResourceType,
  opts: WatchOptions,
  signal: AbortSignal,
): Promise<{ items: T[]; resourceVersion: string }> {
  const path = resourcePath(rt, opts.namespace);
  const items: T[] = [];
  let cont: string | undefined;
  let resourceVersion = '';
  // Bounded: a continue token that never ends would otherwise page forever.
  for (let page = 0; page < 100_000; page++) {
    const list = await client.request<KubeList<T>>('GET', path, {
      query: { limit: opts.pageSize ?? 500, continue: cont, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
      signal,
    });
    for (const item of list.items) {
      // List items carry no apiVersion/kind; watch events do. Make them alike.
      item.apiVersion = rt.apiVersion;
      item.kind = rt.kind;
      items.push(compactForCache(item));
    }
    resourceVersion = list.metadata.resourceVersion ?? '';
    cont = list.metadata.continue;
    if (!cont) return { items, resourceVersion };
  }
  throw new Error(`list ${path} did not end after 100000 pages`);
}

interface RawEvent {
  type: string;
  object: KubeObject & { code?: number; reason?: string; message?: string };
}

async function watchFrom<T extends KubeObject>(
  client: KubeClient,
  rt: ResourceType,
  opts: WatchOptions,
  resourceVersion: string,
  deliver: (ev: WatchEvent<T>) => void,
  signal: AbortSignal,
  progress: { lines: number },
): Promise<string> {
  const path = resourcePath(rt, opts.namespace);
  const timeoutSeconds = Math.round((opts.watchTimeoutSeconds ?? 300) * (1 + Math.random()));
  const stream = client.lines(path, {
    query: {
      watch: true,
      resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
    },
    signal,
    // The server ends the watch at timeoutSeconds; still open a minute later means a dead connection.
    timeoutMs: (timeoutSeconds + 60) * 1000,
  });
  for await (const line of stream) {
    const ev = JSON.parse(line) as RawEvent;
    if (ev.type === 'ERROR') {
      const status = ev.object;
      throw new KubeApiError(status.code ?? 500, status.reason ?? 'Error', 'WATCH', path, status.message ?? '');
    }
    progress.lines++;
    resourceVersion = ev.object.metadata.resourceVersion ?? resourceVersion;
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED')
      deliver({ type: ev.type, object: compactForCache(ev.object as T) });
  }
  return resourceVersion;
}
