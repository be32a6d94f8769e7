// Operator machinery benchmark (not part of the test suite): `npm run bench:operator`.
//
//  1. synthetic  — 10,000 ADDED then 10,000 MODIFIED events from an in-process stream through
//                  informer → queue → no-op reconcile: the machinery's own ceiling.
//  2. end-to-end — 10,000 ConfigMaps on a real kube-apiserver: initial list → cache → queue →
//                  reconcile, then a burst of 10,000 updates arriving as watch events.
//                  Uses $STRATUM_TEST_KUBECONFIG if set, else starts its own etcd + kube-apiserver.
//  3. memory     — resident memory with 10,000 LocalVolume-sized objects in an informer cache.
import { Subject } from 'rxjs';
import { createLogger } from '../../src/common/log.ts';
import { Controller } from '../../src/operator/runtime/controller.ts';
import { KubeClient, loadKubeConfig, type KubeObject, type ResourceType } from '../../src/operator/runtime/kube/client.ts';
import { Informer } from '../../src/operator/runtime/kube/informer.ts';
import type { WatchEvent } from '../../src/operator/runtime/kube/store.ts';
import { OperatorMetrics } from '../../src/operator/runtime/metrics.ts';
import { ControlPlane } from '../../test/rig/control-plane.ts';

const N = Number(process.env.BENCH_OBJECTS ?? 10_000);
const WORKERS = 4;
const CONFIGMAPS: ResourceType = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
const silent = createLogger('bench', 'silent');
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en')} events/s`;
const out = (line: string) => process.stdout.write(`${line}\n`);

/** Runs a controller whose no-op reconcile counts distinct keys; resolves the time until `target` keys were reconciled. */
function countingController(informer: Informer<KubeObject>, accept: (obj: KubeObject) => boolean) {
  const seen = new Set<string>();
  let reached: (() => void) | undefined;
  let target = Infinity;
  const controller = new Controller<KubeObject>({
    kind: 'Bench',
    informer,
    workers: WORKERS,
    log: silent,
    metrics: new OperatorMetrics(),
    reconcile: async (key) => {
      const obj = informer.get(key);
      if (obj && accept(obj)) seen.add(key);
      if (seen.size >= target) reached?.();
    },
  });
  return {
    controller,
    reset: () => seen.clear(),
    until: (n: number) =>
      new Promise<void>((resolve) => {
        target = n;
        reached = resolve;
        if (seen.size >= n) resolve();
      }),
  };
}

async function synthetic(): Promise<void> {
  const source = new Subject<WatchEvent<KubeObject>>();
  const informer = new Informer<KubeObject>(source);
  let generation = '1';
  const c = countingController(informer, (o) => o.metadata.resourceVersion === generation);
  const started = c.controller.start();
  source.next({ type: 'SYNCED' });
  await started;
  const cm = (i: number, rv: string): KubeObject =>
    ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i}`, namespace: 'bench', resourceVersion: rv },
      data: { i: String(i) },
    }) as KubeObject;
  let t0 = performance.now();
  for (let i = 0; i < N; i++) source.next({ type: 'ADDED', object: cm(i, '1') });
  await c.until(N);
  const addMs = performance.now() - t0;
  c.reset();
  generation = '2';
  t0 = performance.now();
  for (let i = 0; i < N; i++) source.next({ type: 'MODIFIED', object: cm(i, '2') });
  await c.until(N);
  const modMs = performance.now() - t0;
  await c.controller.stop();
  out(`synthetic  ${N} ADDED    → cache → queue → no-op reconcile (${WORKERS} workers): ${addMs.toFixed(0)} ms, ${rate(N, addMs)}`);
  out(`synthetic  ${N} MODIFIED → cache → queue → no-op reconcile (${WORKERS} workers): ${modMs.toFixed(0)} ms, ${rate(N, modMs)}`);
}

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function endToEnd(): Promise<void> {
  let plane: ControlPlane | undefined;
  let kubeconfig = process.env.STRATUM_TEST_KUBECONFIG;
  if (!kubeconfig) {
    plane = await ControlPlane.start();
    kubeconfig = plane.kubeconfigPath;
  }
  const client = new KubeClient(loadKubeConfig({ kubeconfig }));
  const ns = `bench-${Date.now().toString(36)}`;
  try {
    await client.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
    const indices = Array.from({ length: N }, (_, i) => i);
    let t0 = performance.now();
    await pool(indices, 16, (i) =>
      client.request('POST', `/api/v1/namespaces/${ns}/configmaps`, {
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { i: String(i), v: '1' } },
      }),
    );
    out(`end-to-end setup: created ${N} ConfigMaps in ${((performance.now() - t0) / 1000).toFixed(1)} s (16 concurrent POSTs)`);

    const informer = Informer.for<KubeObject>(client, CONFIGMAPS, { namespace: ns, metrics: new OperatorMetrics(), log: silent });
    let wanted = '1';
    const c = countingController(informer, (o) => (o as KubeObject & { data?: { v?: string } }).data?.v === wanted);
    t0 = performance.now();
    await c.controller.start();
    const syncedMs = performance.now() - t0;
    await c.until(N);
    const listMs = performance.now() - t0;
    out(
      `end-to-end list  ${N} objects → cache (synced after ${syncedMs.toFixed(0)} ms) → queue → no-op reconcile: ${listMs.toFixed(0)} ms, ${rate(N, listMs)}`,
    );

    c.reset();
    wanted = '2';
    let events = 0;
    const sub = informer.events$.subscribe(() => events++);
    t0 = performance.now();
    await pool(indices, 32, (i) =>
      client.request('PATCH', `/api/v1/namespaces/${ns}/configmaps/cm-${i}`, { patchType: 'merge', body: { data: { v: '2' } } }),
    );
    const writeMs = performance.now() - t0;
    await c.until(N);
    const watchMs = performance.now() - t0;
    sub.unsubscribe();
    out(
      `end-to-end watch ${N} updates (32 concurrent PATCHes, ${rate(N, writeMs).replace('events', 'writes')}) → watch → cache → queue → no-op reconcile: ` +
        `all reconciled ${watchMs.toFixed(0)} ms after the first write, ${(watchMs - writeMs).toFixed(0)} ms after the last; ${rate(events, watchMs)} delivered`,
    );
    await c.controller.stop();
    informer.stop();
  } finally {
    await client.request('DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
    client.close();
    await plane?.teardown();
  }
}

/** A LocalVolume as the API server returns it after a few writes: spec, 2-replica status, conditions, managedFields. */
function localVolume(i: number): string {
  const node = `node-${i % 50}`;
  const ts = '2026-11-25T12:00:00Z';
  return JSON.stringify({
    apiVersion: 'storage.stratum.dev/v1alpha1',
    kind: 'LocalVolume',
    metadata: {
      name: `pvc-${i.toString(16).padStart(8, '0')}-7c1e-4d7a-9a57-1f0e6c2b${i.toString(16).padStart(4, '0')}`,
      uid: `0b6f${i.toString(16).padStart(4, '0')}-2a4c-4a51-8c7e-5b3d9f1a6e20`,
      resourceVersion: String(100_000 + i),
      generation: 3,
      creationTimestamp: ts,
      labels: { 'storage.stratum.dev/pool': 'nvme-fast', 'app.kubernetes.io/managed-by': 'stratum' },
      finalizers: ['storage.stratum.dev/data-protection'],
      managedFields: [
        {
          manager: 'csi-provisioner',
          operation: 'Update',
          apiVersion: 'storage.stratum.dev/v1alpha1',
          time: ts,
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:spec': {
              '.': {},
              'f:pool': {},
              'f:size': {},
              'f:replicas': {},
              'f:volumeMode': {},
              'f:fsType': {},
              'f:accessibility': { '.': {}, 'f:nodes': {} },
              'f:pvcRef': { '.': {}, 'f:name': {}, 'f:namespace': {} },
            },
          },
        },
        {
          manager: 'stratum-operator',
          operation: 'Update',
          apiVersion: 'storage.stratum.dev/v1alpha1',
          time: ts,
          fieldsType: 'FieldsV1',
          subresource: 'status',
          fieldsV1: {
            'f:status': {
              '.': {},
              'f:capacity': {},
              'f:conditions': {},
              'f:observedGeneration': {},
              'f:phase': {},
              'f:primaryNode': {},
              'f:replicas': {},
            },
          },
        },
      ],
    },
    spec: {
      pool: 'nvme-fast',
      size: '10Gi',
      replicas: 2,
      volumeMode: 'Filesystem',
      fsType: 'ext4',
      accessibility: { nodes: [node] },
      pvcRef: { namespace: 'team-a', name: `data-db-${i}` },
      consistency: 'sync',
    },
    status: {
      observedGeneration: 3,
      phase: 'Ready',
      capacity: '10Gi',
      primaryNode: node,
      replicas: [
        { name: `pvc-${i}-r0`, node, pool: 'nvme-fast', role: 'primary', state: 'UpToDate', syncPercent: 100 },
        { name: `pvc-${i}-r1`, node: `node-${(i + 1) % 50}`, pool: 'nvme-fast', role: 'secondary', state: 'UpToDate', syncPercent: 100 },
      ],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'ReplicasInSync',
          message: 'all 2 replicas in sync',
          lastTransitionTime: ts,
          observedGeneration: 3,
        },
      ],
    },
  });
}

async function memory(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:operator does)');
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    return process.memoryUsage();
  };
  const source = new Subject<WatchEvent<KubeObject>>();
  const informer = new Informer<KubeObject>(source, {
    node: (o) => [(o as KubeObject & { status: { primaryNode: string } }).status.primaryNode],
  });
  informer.start();
  const before = await settle();
  let bytes = 0;
  for (let i = 0; i < N; i++) {
    const text = localVolume(i);
    bytes += text.length;
    source.next({ type: 'ADDED', object: JSON.parse(text) as KubeObject });
  }
  source.next({ type: 'SYNCED' });
  const after = await settle();
  out(
    `memory     ${N} LocalVolumes (${Math.round(bytes / N)} B of JSON each, indexed by node) in cache: ` +
      `heap +${mib(after.heapUsed - before.heapUsed)} (${Math.round((after.heapUsed - before.heapUsed) / N)} B/object), ` +
      `RSS ${mib(before.rss)} → ${mib(after.rss)} (+${mib(after.rss - before.rss)})`,
  );
  if (informer.list().length !== N) throw new Error('cache lost objects');
  informer.stop();
}

const which = new Set(process.argv.slice(2));
const all = which.size === 0;
out(`operator benchmark, ${N} objects, node ${process.version}`);
if (all || which.has('memory')) await memory();
if (all || which.has('synthetic')) await synthetic();
if (all || which.has('e2e')) await endToEnd();
