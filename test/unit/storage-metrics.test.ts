// The storage metric families read at scrape time from the caches: values from status, one series
// for a volume's phase and one per disk state, eviction progress, replica sync as a ratio, and
// nothing once the view is gone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Registry } from 'prom-client';
import type { LocalDisk, LocalVolume, StoragePool, VolumeReplica } from '../../src/api/index.ts';
import { StorageMetrics } from '../../src/operator/storage-metrics.ts';
import { parseSamples } from '../helpers/prometheus-text.ts';

const MiB = 1024 ** 2;
const pool = {
  apiVersion: 'storage.stratum.dev/v1alpha1',
  kind: 'StoragePool',
  metadata: { name: 'fast' },
  spec: { mediaClass: 'nvme' },
  status: {
    nodes: [
      { node: 'n1', ready: true, total: '1Gi', free: '768Mi', allocatable: '512Mi' },
      { node: 'n2', ready: false, message: 'no disks' },
    ],
  },
} as StoragePool;
const volume = {
  apiVersion: 'storage.stratum.dev/v1alpha1',
  kind: 'LocalVolume',
  metadata: { name: 'pvc-1' },
  spec: { pool: 'fast', size: '256Mi', replicas: 2 },
  status: { phase: 'Migrating', capacity: '256Mi', migration: { from: 'n1', to: 'n2', copiedBytes: 64 * MiB, totalBytes: 256 * MiB } },
} as LocalVolume;
const replica = (name: string, node: string, state: string, syncPercent?: number) =>
  ({
    apiVersion: 'storage.stratum.dev/v1alpha1',
    kind: 'VolumeReplica',
    metadata: { name },
    spec: { volume: 'pvc-1', node, pool: 'fast', size: '256Mi', role: 'primary' },
    status: { state, ...(syncPercent === undefined ? {} : { syncPercent }) },
  }) as VolumeReplica;
const disk = {
  apiVersion: 'storage.stratum.dev/v1alpha1',
  kind: 'LocalDisk',
  metadata: { name: 'n1-sda' },
  spec: { nodeName: 'n1' },
  status: { state: 'Missing' },
} as LocalDisk;

async function scrape(registry: Registry) {
  const samples = parseSamples(await registry.metrics());
  return (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);
}

test("families follow the objects' status", async () => {
  const registry = new Registry();
  const metrics = new StorageMetrics(registry);
  metrics.observe({
    pools: { list: () => [pool] },
    volumes: { list: () => [volume] },
    replicas: { list: () => [replica('pvc-1-a', 'n1', 'Ready', 100), replica('pvc-1-b', 'n2', 'Copying', 25)] },
    disks: { list: () => [disk] },
  });
  const get = await scrape(registry);
  assert.equal(get('stratum_pool_capacity_bytes', { pool: 'fast', node: 'n1' }), [1024 * MiB]);
  assert.equal(get('stratum_pool_free_bytes', { node: 'n1' }), [768 * MiB]);
  assert.equal(get('stratum_pool_allocatable_bytes', { node: 'n1' }), [512 * MiB]);
  assert.equal(get('stratum_pool_capacity_bytes', { node: 'n2' }), [], 'no size reported: no sample');
  assert.equal(get('stratum_pool_ready', { node: 'n2' }), [0]);
  assert.equal([get('stratum_pool_volumes', { node: 'n1' }), get('stratum_pool_volumes', { node: 'n2' })], [[1], [1]]);
  assert.equal(get('stratum_volume_phase', { volume: 'pvc-1', phase: 'Migrating' }), [1]);
  assert.equal(get('stratum_volume_phase', { volume: 'pvc-1' }), [1], 'one series: the current phase');
  assert.equal(get('stratum_volume_ready_replicas', { volume: 'pvc-1' }), [1]);
  assert.equal(get('stratum_volume_desired_replicas', { volume: 'pvc-1' }), [2]);
  assert.equal(get('stratum_replica_synced_ratio', { replica: 'pvc-1-b', node: 'n2' }), [0.25]);
  assert.equal(get('stratum_volume_eviction_copied_bytes', { volume: 'pvc-1', from: 'n1', to: 'n2' }), [64 * MiB]);
  assert.equal(get('stratum_volume_eviction_total_bytes', { volume: 'pvc-1' }), [256 * MiB]);
  assert.equal(get('stratum_disk_state', { disk: 'n1-sda', state: 'Missing' }), [1]);
  assert.equal(get('stratum_disk_state', { disk: 'n1-sda', state: 'InUse' }), [0]);
});

test("a deleted object's series vanish, and a stopped view empties every family", async () => {
  const registry = new Registry();
  const metrics = new StorageMetrics(registry);
  let volumes = [volume];
  metrics.observe({
    pools: { list: () => [pool] },
    volumes: { list: () => volumes },
    replicas: { list: () => [] },
    disks: { list: () => [disk] },
  });
  assert.is((await scrape(registry))('stratum_volume_phase', { volume: 'pvc-1' }).length, 1);
  volumes = [];
  assert.is((await scrape(registry))('stratum_volume_phase', { volume: 'pvc-1' }).length, 0);
  metrics.observe(undefined);
  const get = await scrape(registry);
  assert.equal([get('stratum_pool_capacity_bytes'), get('stratum_disk_state')], [[], []]);
});

test('between scrapes the families keep no series: 10,000 volumes cost nothing until the next scrape reads them', async () => {
  const registry = new Registry();
  const metrics = new StorageMetrics(registry);
  const volumes = Array.from({ length: 10_000 }, (_, i) => ({ ...volume, metadata: { name: `pvc-${i}` } }) as LocalVolume);
  metrics.observe({
    pools: { list: () => [pool] },
    volumes: { list: () => volumes },
    replicas: { list: () => [] },
    disks: { list: () => [disk] },
  });
  assert.is((await scrape(registry))('stratum_volume_phase').length, 10_000);
  // prom-client keeps a gauge's series in its hashMap (label set → value) until they are reset.
  const held = registry.getMetricsAsArray().map((m) => Object.keys((m as unknown as { hashMap: object }).hashMap).length);
  assert.equal(
    held.filter((n) => n > 0),
    [],
  );
  assert.is((await scrape(registry))('stratum_volume_capacity_bytes').length, 10_000, 'the next scrape reads them again');
});

test.run();
