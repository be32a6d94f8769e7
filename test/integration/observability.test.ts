// What a platform team's tools see of a running install: every metric family the operator and an
// agent export, scraped over HTTP from the real processes with sane values, and
// `kubectl wait --for=condition=Ready lv/NAME` with the real kubectl.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StoragePool } from '../../src/api/index.ts';
import { STORAGE_POOLS } from '../../src/operator/resources.ts';
import { POOL_RESYNC_MS } from '../../src/operator/pools/pool-reconciler.ts';
import { parseSamples, type Sample } from '../helpers/prometheus-text.ts';
import { TestCluster, reportFailure, waitFor } from './support.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KUBECTL = path.join(ROOT, '.rig/bin/kubectl');
const MiB = 1024 ** 2;
const it = suite('observability: metrics and kubectl wait');
let cluster: TestCluster;
let pool: string;

const scrape = async (url: string): Promise<Sample[]> => {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  assert.is(res.status, 200);
  return parseSamples(await res.text());
};
const pick = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
const one = (samples: Sample[], name: string, labels: Record<string, string> = {}) => {
  const found = pick(samples, name, labels);
  assert.is(found.length, 1, `one ${name} ${JSON.stringify(labels)}; got ${JSON.stringify(found)}`);
  return found[0]!.value;
};
const kubectl = (args: string[], timeoutMs: number) =>
  promisify(execFile)(KUBECTL, args, { env: { ...process.env, KUBECONFIG: cluster.kubeconfig }, timeout: timeoutMs }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
  );

it.before(
  reportFailure(async () => {
    cluster = await TestCluster.start({ agents: 1, loopsPerAgent: 2 });
    pool = `${cluster.prefix}-obs`;
    await cluster.createPool(pool, { mediaClass: 'hdd' });
    await cluster.startOperator();
    await waitFor('pool ready', async () => (await cluster.get<StoragePool>(STORAGE_POOLS, pool))?.status?.nodeCount === 1, 90_000, 250);
  }),
);

it.after(
  reportFailure(async () => {
    await cluster?.teardown();
  }),
);

it('kubectl wait --for=condition=Ready lv/NAME returns once the volume is Ready, and times out while it cannot be', async () => {
  const name = `${cluster.prefix}-wait`;
  const stuck = `${cluster.prefix}-stuck`;
  await cluster.createVolume(name, { pool, size: '64Mi' });
  await cluster.createVolume(stuck, { pool: `${pool}-absent`, size: '64Mi' });
  const ready = await kubectl(['wait', '--for=condition=Ready', `lv/${name}`, '--timeout=60s'], 70_000);
  assert.is(ready.code, 0, ready.out);
  assert.match(ready.out, `localvolume.storage.stratum.dev/${name} condition met`);
  const refused = await kubectl(['wait', '--for=condition=Ready', `localvolume/${stuck}`, '--timeout=3s'], 30_000);
  assert.is.not(refused.code, 0, refused.out);
});

it('operator /metrics: pool capacity, volume phase and replicas, disk state, agent call latency', async () => {
  const op = cluster.operators[0]!;
  const node = cluster.nodes[0]!.name;
  const name = `${cluster.prefix}-wait`;
  // Pool capacity is refreshed on its own interval (POOL_RESYNC_MS), after the volume is Ready.
  const s = await waitFor(
    'volume Ready and its space taken in the metrics',
    async () => {
      const samples = await scrape(op.metricsUrl);
      const ready = pick(samples, 'stratum_volume_phase', { volume: name, phase: 'Ready' })[0]?.value === 1;
      const free = pick(samples, 'stratum_pool_free_bytes', { pool, node })[0]?.value ?? Infinity;
      const capacity = pick(samples, 'stratum_pool_capacity_bytes', { pool, node })[0]?.value ?? 0;
      return ready && free <= capacity - 64 * MiB ? samples : undefined;
    },
    POOL_RESYNC_MS + 15_000,
    250,
  );
  const capacity = one(s, 'stratum_pool_capacity_bytes', { pool, node });
  const free = one(s, 'stratum_pool_free_bytes', { pool, node });
  const allocatable = one(s, 'stratum_pool_allocatable_bytes', { pool, node });
  assert.ok(capacity > 1024 * MiB && capacity <= 2048 * MiB, `two 1 GiB loops: capacity ${capacity}`);
  assert.ok(free >= 0 && free <= capacity - 64 * MiB, `a 64Mi volume is carved out: free ${free} of ${capacity}`);
  assert.ok(allocatable > 0 && allocatable <= free, `allocatable ${allocatable} ≤ free ${free}`);
  assert.is(one(s, 'stratum_pool_ready', { pool, node }), 1);
  assert.is(one(s, 'stratum_pool_volumes', { pool, node }), 1);

  const phases = pick(s, 'stratum_volume_phase', { volume: name });
  assert.equal(
    phases.map((p) => [p.labels.phase, p.labels.pool, p.value]),
    [['Ready', pool, 1]],
    'one series: the current phase',
  );
  assert.is(one(s, 'stratum_volume_capacity_bytes', { volume: name }), 64 * MiB);
  assert.is(one(s, 'stratum_volume_desired_replicas', { volume: name }), 1);
  assert.is(one(s, 'stratum_volume_ready_replicas', { volume: name }), 1);
  const stuck = pick(s, 'stratum_volume_phase', { volume: `${cluster.prefix}-stuck` });
  assert.ok(
    stuck.every((p) => p.labels.phase !== 'Ready'),
    'the stuck volume is not Ready',
  );

  const disks = pick(s, 'stratum_disk_state', { node });
  assert.is(disks.filter((d) => d.value === 1).length, 2, 'each of the two disks has one state');
  assert.is(disks.filter((d) => d.value === 1 && d.labels.state === 'InUse').length, 2, 'both loops are in the pool');

  const calls = one(s, 'stratum_agent_call_duration_seconds_count', { node, method: 'CreateVolume' });
  assert.ok(calls >= 1, `CreateVolume timed: ${calls}`);
  const seconds = one(s, 'stratum_agent_call_duration_seconds_sum', { node, method: 'CreateVolume' });
  assert.ok(seconds > 0 && seconds < 60 * calls, `CreateVolume took ${seconds} s over ${calls} calls`);
  assert.is(one(s, 'stratum_agent_connected', { node }), 1);

  const text = await op.metrics();
  for (const family of ['stratum_replica_synced_ratio', 'stratum_volume_eviction_copied_bytes', 'stratum_volume_eviction_total_bytes']) {
    assert.match(text, `# TYPE ${family} gauge`, `${family} is exported (values appear with replication or an eviction)`);
  }
});

it('agent /metrics: duration of the LVM commands it ran, labelled with its node', async () => {
  const agent = cluster.nodes[0]!.agent;
  const s = await scrape(agent.metricsUrl);
  const node = agent.nodeName ?? agent.name;
  for (const command of ['pvcreate', 'vgcreate', 'lvcreate']) {
    const count = one(s, 'stratum_agent_command_duration_seconds_count', { command, result: 'success', node });
    assert.ok(count >= 1, `${command} ran ${count} times`);
    const sum = one(s, 'stratum_agent_command_duration_seconds_sum', { command, result: 'success', node });
    assert.ok(sum > 0 && sum < 60 * count, `${command}: ${sum} s over ${count} runs`);
  }
  assert.is(pick(s, 'stratum_agent_process_cpu_seconds_total', { node }).length, 1, 'process metrics are there');
});

it.run();
