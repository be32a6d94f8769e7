// Watch streams against the real API server: live events, a real 410 Gone (a resume from a
// resourceVersion the server no longer has), a cut connection, sharing and clean stops.
import { setFlagsFromString } from 'node:v8';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Observable, Subscription } from 'rxjs';
import {
  KubeClient,
  isGone,
  resourcePath,
  type KubeObject,
  type RequestOptions,
  type ResourceType,
} from '../../src/operator/runtime/kube/client.ts';
import { watchResource } from '../../src/operator/runtime/kube/watch.ts';
import type { WatchEvent } from '../../src/operator/runtime/kube/store.ts';
import { OperatorMetrics } from '../../src/operator/runtime/metrics.ts';
import { createLogger } from '../../src/common/log.ts';
import { KubeConfig } from '@kubernetes/client-node';
import { connectToSharedControlPlane } from '../rig/connect.ts';
import {
  CONFIGMAPS,
  createConfigMap,
  createNamespace,
  createTestCrd,
  deleteConfigMap,
  deleteNamespace,
  deleteTestCrd,
  patchConfigMap,
  waitFor,
} from './support.ts';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

interface Gap extends KubeObject {
  spec?: { v: string };
}

/** A real client that can hold list/watch requests at a gate, cut the open watch, and resume one watch from resourceVersion 1. */
class InstrumentedClient extends KubeClient {
  lists = 0;
  /** When each list request was sent (ms). */
  readonly listTimes: number[] = [];
  watches = 0;
  active = 0;
  held = 0;
  readonly gone: ('http' | 'event')[] = [];
  resumeFromAncientVersion = false;
  private gate: { promise: Promise<void>; open: () => void } | undefined;
  private cutter = new AbortController();

  closeGate(): void {
    let open!: () => void;
    const promise = new Promise<void>((r) => (open = r));
    this.gate = { promise, open };
  }

  openGate(): void {
    this.gate?.open();
    this.gate = undefined;
  }

  cut(): void {
    this.cutter.abort();
    this.cutter = new AbortController();
  }

  override async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    if (method === 'GET' && /\/(configmaps|gaps)$/.test(path)) {
      await this.wait();
      this.lists++;
      this.listTimes.push(performance.now());
    }
    return super.request<T>(method, path, opts);
  }

  override async *lines(path: string, opts: RequestOptions = {}): AsyncGenerator<string> {
    await this.wait();
    let query = opts.query;
    if (this.resumeFromAncientVersion) {
      this.resumeFromAncientVersion = false;
      query = { ...query, resourceVersion: '1' };
    }
    this.watches++;
    this.active++;
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.cutter.signal]) : this.cutter.signal;
    try {
      for await (const line of super.lines(path, { ...opts, query, signal })) {
        if (line.includes('"type":"ERROR"') && line.includes('"code":410')) this.gone.push('event');
        yield line;
      }
    } catch (err) {
      if (isGone(err)) this.gone.push('http');
      throw err;
    } finally {
      this.active--;
    }
  }

  private async wait(): Promise<void> {
    if (!this.gate) return;
    this.held++;
    await this.gate.promise;
  }
}

const rig = connectToSharedControlPlane();
const admin = new KubeClient(rig.kubeConfig());
const namespaces: string[] = [];
const subscriptions: Subscription[] = [];
const clients: KubeClient[] = [admin];
const crds: ResourceType[] = [];

function newClient(): InstrumentedClient {
  const c = new InstrumentedClient(rig.kubeConfig());
  clients.push(c);
  return c;
}

async function namespace(): Promise<string> {
  const ns = await createNamespace(admin, 'op-watch');
  namespaces.push(ns);
  return ns;
}

function record<T extends KubeObject>(stream: Observable<WatchEvent<T>>): { events: WatchEvent<T>[]; since: (n: number) => string[] } {
  const events: WatchEvent<T>[] = [];
  subscriptions.push(stream.subscribe((ev) => events.push(ev)));
  return {
    events,
    since: (n) => events.slice(n).map((ev) => (ev.type === 'SYNCED' ? 'SYNCED' : `${ev.type} ${ev.object.metadata.name}`)),
  };
}

test.after.each(() => {
  subscriptions.splice(0).forEach((s) => {
    s.unsubscribe();
  });
});

test.after(async () => {
  for (const ns of namespaces) await deleteNamespace(admin, ns);
  for (const crd of crds) await deleteTestCrd(admin, crd);
  clients.forEach((c) => {
    c.close();
  });
});

test('a watch sees ConfigMaps added, updated and deleted', async () => {
  const ns = await namespace();
  const client = newClient();
  const rec = record(watchResource<ConfigMap>(client, CONFIGMAPS, { namespace: ns }));
  await waitFor('initial sync', () => rec.since(0).includes('SYNCED'));
  await createConfigMap(admin, ns, 'a', { v: '1' });
  await waitFor('ADDED a', () => rec.since(0).includes('ADDED a'));
  await patchConfigMap(admin, ns, 'a', { v: '2' });
  await waitFor('MODIFIED a', () => rec.events.some((ev) => ev.type === 'MODIFIED' && ev.object.data?.v === '2'));
  await deleteConfigMap(admin, ns, 'a');
  await waitFor('DELETED a', () => rec.since(0).includes('DELETED a'));
  assert.equal(rec.since(0), ['SYNCED', 'ADDED a', 'MODIFIED a', 'DELETED a']);
  assert.is(client.lists, 1, 'no relist on a healthy stream');
});

test("objects arrive without managedFields, their metadata kept in V8's compact form (not a hash table)", async () => {
  setFlagsFromString('--allow-natives-syntax');
  const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
  const ns = await namespace();
  await createConfigMap(admin, ns, 'listed', { v: '1' });
  const rec = record(watchResource<ConfigMap>(newClient(), CONFIGMAPS, { namespace: ns }));
  await waitFor('initial sync', () => rec.since(0).includes('SYNCED'));
  await createConfigMap(admin, ns, 'watched', { v: '1' });
  await waitFor('ADDED watched', () => rec.since(0).includes('ADDED watched'));
  for (const ev of rec.events) {
    if (ev.type === 'SYNCED') continue;
    const { metadata } = ev.object;
    assert.ok(metadata.uid && !('managedFields' in metadata), `${metadata.name}: ${Object.keys(metadata).join(', ')}`);
    assert.ok(hasFastProperties(metadata), `${metadata.name}: metadata in dictionary mode`);
  }
});

test('a 410 Gone on resume relists and emits what changed in the gap, deletes included', async () => {
  // A test CRD: its watch cache starts now, so resourceVersion 1 is really too old for it.
  const gaps = await createTestCrd(admin, 'Gap');
  crds.push(gaps);
  const ns = await namespace();
  const create = (name: string, v: string) =>
    admin.request('POST', resourcePath(gaps, ns), {
      body: { apiVersion: gaps.apiVersion, kind: gaps.kind, metadata: { name }, spec: { v } },
    });
  const remove = (name: string) => admin.request('DELETE', resourcePath(gaps, ns, name));
  for (const name of ['a', 'b', 'c']) await create(name, '1');
  const client = newClient();
  const metrics = new OperatorMetrics();
  // The server ends each watch after 1-2 s, so the stream resumes from its resourceVersion often.
  const rec = record(watchResource<Gap>(client, gaps, { namespace: ns, watchTimeoutSeconds: 1, metrics }));
  await waitFor('initial sync', () => rec.since(0).includes('SYNCED'));
  assert.equal(rec.since(0).sort(), ['ADDED a', 'ADDED b', 'ADDED c', 'SYNCED']);

  client.closeGate();
  await waitFor('the resume held at the gate', () => client.held === 1, 5_000);
  const mark = rec.events.length;
  await remove('b');
  await remove('c');
  await admin.request('PATCH', resourcePath(gaps, ns, 'a'), { patchType: 'merge', body: { spec: { v: '2' } } });
  await create('d', '1');
  client.resumeFromAncientVersion = true;
  client.openGate();

  await waitFor('the relist differences', () => rec.since(mark).includes('SYNCED'), 10_000);
  assert.equal(rec.since(mark).sort(), ['ADDED d', 'DELETED b', 'DELETED c', 'MODIFIED a', 'SYNCED']);
  assert.ok(client.gone.length >= 1, 'the API server answered 410 Gone');
  assert.is(client.lists, 2, 'one relist');
  const deletedB = rec.events.slice(mark).find((ev) => ev.type === 'DELETED' && ev.object.metadata.name === 'b') as { object: Gap };
  assert.equal(deletedB.object.spec, { v: '1' }, 'a synthesised delete carries the last state seen');
  assert.match(await metrics.registry.metrics(), /stratum_watch_restarts_total\{resource="gaps.optest.stratum.dev"\} [1-9]/);

  await create('e', '1');
  await waitFor('live events after the relist', () => rec.since(mark).includes('ADDED e'));
});

test('a cut connection relists (with backoff) and emits the differences', async () => {
  const ns = await namespace();
  for (const name of ['a', 'b']) await createConfigMap(admin, ns, name);
  const client = newClient();
  const rec = record(watchResource<ConfigMap>(client, CONFIGMAPS, { namespace: ns, backoff: { baseMs: 50, capMs: 200, jitter: 0.5 } }));
  await waitFor('initial sync', () => rec.since(0).includes('SYNCED'));
  await waitFor('watch open', () => client.active === 1);

  client.closeGate();
  client.cut();
  await waitFor('the relist held at the gate', () => client.held === 1, 5_000);
  const mark = rec.events.length;
  await deleteConfigMap(admin, ns, 'a');
  await createConfigMap(admin, ns, 'z');
  client.openGate();

  await waitFor('the relist differences', () => rec.since(mark).includes('SYNCED'));
  assert.equal(rec.since(mark).sort(), ['ADDED z', 'DELETED a', 'SYNCED']);
  assert.is(client.lists, 2);
  assert.equal(client.gone, [], 'no 410 involved');
});

test('one shared stream per resource: a late subscriber gets the cache replayed; the last unsubscribe stops the watch', async () => {
  const ns = await namespace();
  await createConfigMap(admin, ns, 'x');
  const client = newClient();
  const stream = watchResource<ConfigMap>(client, CONFIGMAPS, { namespace: ns });
  assert.is(watchResource<ConfigMap>(client, CONFIGMAPS, { namespace: ns }), stream);
  assert.is.not(watchResource<ConfigMap>(client, CONFIGMAPS, { namespace: ns, labelSelector: 'a=b' }), stream);

  const first = record(stream);
  await waitFor('initial sync', () => first.since(0).includes('SYNCED'));
  const late = record(stream);
  assert.equal(late.since(0), ['ADDED x', 'SYNCED'], 'replayed synchronously on subscribe');
  await createConfigMap(admin, ns, 'y');
  await waitFor('both see y', () => first.since(0).includes('ADDED y') && late.since(0).includes('ADDED y'));
  assert.is(client.lists, 1, 'one list for two subscribers');
  assert.is(client.watches, 1, 'one watch for two subscribers');

  subscriptions.splice(0).forEach((s) => {
    s.unsubscribe();
  });
  await waitFor('watch request closed', () => client.active === 0, 2_000);
  const watches = client.watches;
  await new Promise((r) => setTimeout(r, 500));
  assert.is(client.watches, watches, 'no reconnect after the last unsubscribe');
  assert.is(client.active, 0);
});

test('an unreachable API server is retried with growing backoff, not in a hot loop', async () => {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const client = new InstrumentedClient(kc);
  clients.push(client);
  const metrics = new OperatorMetrics();
  // No jitter: the delays are exactly 200, 400, 800, 1600 ms (plus a refused connect each).
  const rec = record(
    watchResource<ConfigMap>(client, CONFIGMAPS, {
      namespace: 'x',
      backoff: { baseMs: 200, capMs: 10_000, jitter: 0 },
      metrics,
      log: createLogger('test', 'silent'),
    }),
  );
  await waitFor('five list attempts', () => client.lists >= 5, 10_000);
  const gaps = client.listTimes.slice(1, 5).map((t, i) => t - client.listTimes[i]!);
  const shown = gaps.map((g) => `${g.toFixed(0)} ms`).join(', ');
  gaps.forEach((gap, i) => {
    // At least its delay, less 100 ms for a late timer on a loaded machine: a fixed interval fails by gap 2.
    assert.ok(gap >= 200 * 2 ** i - 100, `gap ${i + 1} at least ${200 * 2 ** i} ms: ${shown}`);
    // Growth, not a fixed interval: each gap exceeds the one before by at least half the expected step.
    if (i > 0) assert.ok(gap - gaps[i - 1]! >= 100 * 2 ** (i - 1), `gap ${i + 1} grows over gap ${i}: ${shown}`);
  });
  const restarts = /^stratum_watch_restarts_total\{resource="configmaps"\} (\d+)$/m.exec(await metrics.registry.metrics());
  assert.ok(restarts, 'the restart counter is exported');
  const counted = Number(restarts[1]);
  // Each failed attempt is counted once it has failed: the last one may still be in flight.
  assert.ok(
    counted >= 4 && counted >= client.lists - 1 && counted <= client.lists,
    `restarts counted: ${counted}, list attempts: ${client.lists}`,
  );
  assert.equal(rec.events, []);
});

test.run();
