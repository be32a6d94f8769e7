import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject } from 'rxjs';
import {
  applyWatchEvent,
  diffSnapshot,
  objectKey,
  ObjectStore,
  parseKey,
  type CacheEvent,
  type WatchEvent,
} from '../../src/operator/runtime/kube/store.ts';
import { compactForCache, StringTable } from '../../src/operator/runtime/kube/compact.ts';
import { Informer } from '../../src/operator/runtime/kube/informer.ts';
import type { KubeObject } from '../../src/operator/runtime/kube/client.ts';

interface Vol extends KubeObject {
  spec: { node: string };
}
const vol = (name: string, rv: string, node = 'n1', namespace?: string): Vol => ({
  apiVersion: 'v1',
  kind: 'Vol',
  metadata: { name, namespace, resourceVersion: rv },
  spec: { node },
});
const byNode = { node: (v: Vol) => [v.spec.node] };

/** A LocalVolume and its replica as the API server sends them (managedFields included), volume i. */
function volumePair(i: number): KubeObject[] {
  const name = `bench-${String(i).padStart(5, '0')}`;
  const uid = `f13f38e4-b549-4156-a1d0-${String(i).padStart(12, '0')}`;
  const managedFields = [{ manager: 'stratum-operator', operation: 'Update', fieldsV1: { 'f:spec': { 'f:size': {} } } }];
  const condition = { type: 'Ready', status: 'True', reason: 'Ready', lastTransitionTime: '2026-12-05T00:35:00Z' };
  const text = JSON.stringify([
    {
      apiVersion: 'storage.stratum.dev/v1alpha1',
      kind: 'LocalVolume',
      metadata: { name, uid, resourceVersion: String(1000 + i), finalizers: ['storage.stratum.dev/data-protection'], managedFields },
      spec: { pool: 'bench', size: '1Gi', replicas: 1, volumeMode: 'Filesystem', fsType: 'ext4' },
      status: { phase: 'Ready', primaryNode: 'node-b', conditions: [{ ...condition, message: '1 replica(s) ready, primary on node-b' }] },
    },
    {
      apiVersion: 'storage.stratum.dev/v1alpha1',
      kind: 'VolumeReplica',
      metadata: {
        name: `${name}-19cfc638`,
        uid: `d77665d0-9183-449d-9349-${String(i).padStart(12, '0')}`,
        resourceVersion: String(2000 + i),
        labels: { 'storage.stratum.dev/volume': name },
        ownerReferences: [{ apiVersion: 'storage.stratum.dev/v1alpha1', kind: 'LocalVolume', name, uid }],
        finalizers: ['storage.stratum.dev/data-protection'],
        managedFields,
      },
      spec: { volume: name, node: 'node-b', pool: 'bench', role: 'primary', size: '1Gi' },
      status: {
        state: 'Ready',
        devicePath: `/dev/stratum-bench/${name}`,
        conditions: [{ ...condition, message: 'volume present on node node-b (1Gi)' }],
      },
    },
  ]);
  return JSON.parse(text) as KubeObject[];
}

test('compactForCache: managedFields gone, every other field as the server sent it', () => {
  const [lv, vr] = volumePair(7);
  const expected = volumePair(7).map((o) => {
    const { managedFields: _, ...metadata } = o.metadata as KubeObject['metadata'] & { managedFields?: unknown };
    return { ...o, metadata };
  });
  assert.equal([compactForCache(lv!), compactForCache(vr!)], expected);
});

test('the string table stays bounded however many distinct strings pass through it', () => {
  const table = new StringTable(100);
  for (let i = 0; i < 10_000; i++) assert.is(table.share(`uid-${i}`), `uid-${i}`);
  assert.ok(table.size <= 200, `${table.size} strings kept`);
  assert.is(table.share('x'.repeat(500)), 'x'.repeat(500));
});

test('cached volumes take at most 60 % of the heap of the objects as parsed', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const heapFor = (compact: boolean): number => {
    gc();
    const before = process.memoryUsage().heapUsed;
    const table = new StringTable();
    const kept = Array.from({ length: 5_000 }, (_, i) => volumePair(i).map((o) => (compact ? compactForCache(o, table) : o)));
    gc();
    const used = process.memoryUsage().heapUsed - before;
    assert.is(kept.length, 5_000);
    return used;
  };
  const parsed = heapFor(false);
  const cached = heapFor(true);
  assert.ok(cached < parsed * 0.6, `${(cached / 5_000).toFixed(0)} bytes per pair cached, ${(parsed / 5_000).toFixed(0)} as parsed`);
});

test('keys are namespace/name or name, and parse back', () => {
  assert.is(objectKey(vol('a', '1', 'n', 'ns')), 'ns/a');
  assert.is(objectKey(vol('a', '1')), 'a');
  assert.equal(parseKey('ns/a'), { namespace: 'ns', name: 'a' });
  assert.equal(parseKey('a'), { name: 'a' });
  assert.throws(() => objectKey({ kind: 'X', metadata: {} }), /no metadata.name/);
});

test('applyWatchEvent: add, update with old, same resourceVersion is no change, delete', () => {
  const store = new ObjectStore<Vol>(byNode);
  assert.equal(applyWatchEvent(store, { type: 'ADDED', object: vol('a', '1') }), { type: 'add', object: vol('a', '1') });
  assert.is(applyWatchEvent(store, { type: 'MODIFIED', object: vol('a', '1') }), undefined);
  const up = applyWatchEvent(store, { type: 'MODIFIED', object: vol('a', '2', 'n2') }) as Extract<CacheEvent<Vol>, { type: 'update' }>;
  assert.is(up.type, 'update');
  assert.is(up.old.metadata.resourceVersion, '1');
  assert.is(store.get('a')!.metadata.resourceVersion, '2');
  assert.is(applyWatchEvent(store, { type: 'DELETED', object: vol('a', '3', 'n2') })!.type, 'delete');
  assert.is(store.size, 0);
  assert.is(applyWatchEvent(store, { type: 'DELETED', object: vol('a', '3') }), undefined, 'deleting the unknown tells nobody');
  assert.is(applyWatchEvent(store, { type: 'SYNCED' }), undefined);
});

test('the index follows updates and deletes', () => {
  const store = new ObjectStore<Vol>(byNode);
  const namesOn = (node: string) =>
    store
      .byIndex('node', node)
      .map((v) => v.metadata.name)
      .sort();
  store.upsert(vol('a', '1', 'n1'));
  store.upsert(vol('b', '1', 'n1'));
  store.upsert(vol('c', '1', 'n2'));
  assert.equal(namesOn('n1'), ['a', 'b']);
  store.upsert(vol('a', '2', 'n2'));
  assert.equal(namesOn('n1'), ['b']);
  assert.equal(namesOn('n2'), ['a', 'c']);
  store.remove('c');
  assert.equal(namesOn('n2'), ['a']);
  assert.equal(store.byIndex('node', 'nowhere'), []);
  assert.throws(() => store.byIndex('owner', 'x'), /no index named owner/);
});

test('diffSnapshot: adds, updates by resourceVersion, synthesised deletes with the last state seen', () => {
  const seen = new Map([
    ['same', vol('same', '1')],
    ['changed', vol('changed', '1')],
    ['gone', vol('gone', '7', 'n9')],
  ]);
  const events = diffSnapshot(seen, [vol('same', '1'), vol('changed', '5'), vol('new', '6')]);
  assert.equal(events, [
    { type: 'MODIFIED', object: vol('changed', '5') },
    { type: 'ADDED', object: vol('new', '6') },
    { type: 'DELETED', object: vol('gone', '7', 'n9') },
  ]);
  assert.equal(diffSnapshot(new Map(), []), []);
});

test('a relist diff applied to the store makes it equal to the list', () => {
  const store = new ObjectStore<Vol>();
  const seen = new Map<string, Vol>();
  for (const v of [vol('a', '1'), vol('b', '1'), vol('c', '1')]) {
    store.upsert(v);
    seen.set(objectKey(v), v);
  }
  const listed = [vol('b', '2'), vol('d', '3')];
  const changes = diffSnapshot(seen, listed).map((ev) => applyWatchEvent(store, ev)!.type);
  assert.equal(changes.sort(), ['add', 'delete', 'delete', 'update']);
  assert.equal(
    store
      .list()
      .map((v) => `${v.metadata.name}@${v.metadata.resourceVersion}`)
      .sort(),
    ['b@2', 'd@3'],
  );
});

test('informer: events in order, hasSynced after SYNCED, waitForSync, index lookups', async () => {
  const source = new Subject<WatchEvent<Vol>>();
  const informer = new Informer<Vol>(source, byNode);
  const seen: string[] = [];
  informer.events$.subscribe((ev) => seen.push(`${ev.type}:${ev.object.metadata.name}`));
  informer.start();
  const synced = informer.waitForSync(1000);
  source.next({ type: 'ADDED', object: vol('a', '1') });
  assert.is(informer.hasSynced(), false);
  source.next({ type: 'SYNCED' });
  await synced;
  assert.is(informer.hasSynced(), true);
  source.next({ type: 'MODIFIED', object: vol('a', '2', 'n3') });
  source.next({ type: 'DELETED', object: vol('a', '2', 'n3') });
  assert.equal(seen, ['add:a', 'update:a', 'delete:a']);
  source.next({ type: 'ADDED', object: vol('b', '1', 'n3') });
  assert.equal(
    informer.byIndex('node', 'n3').map((v) => v.metadata.name),
    ['b'],
  );
  assert.is(informer.get('b')!.spec.node, 'n3');
  informer.stop();
  source.next({ type: 'ADDED', object: vol('c', '1') });
  assert.is(informer.get('c'), undefined, 'a stopped informer no longer listens');
});

test('informer: waitForSync rejects after its timeout', async () => {
  const informer = new Informer<Vol>(new Subject<WatchEvent<Vol>>());
  informer.start();
  await informer.waitForSync(20).then(
    () => assert.unreachable('synced'),
    (err: Error) => assert.match(err.message, /not synced after 20 ms/),
  );
  informer.stop();
});

test.run();
