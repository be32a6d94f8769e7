// Issue 6 against the real control plane, three real agents on loop devices and the operator as
// a real process: disks become LocalDisks, pools form on the selected nodes only with the
// capacity `vgs` reports, CSIStorageCapacity follows, an agent outage is reported and retried
// with backoff, and a quiet cluster causes no writes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseQuantity } from '../../src/api/quantity.ts';
import type { LocalDisk, StoragePool } from '../../src/api/index.ts';
import { CSI_STORAGE_CAPACITIES, LOCAL_DISKS, STORAGE_POOLS } from '../../src/operator/resources.ts';
import { CAPACITY_POOL_LABEL, type CSIStorageCapacity } from '../../src/operator/pools/capacity.ts';
import { TestCluster, reportFailure, sleep, waitFor, type ClusterNode } from './support.ts';
import { findCondition } from '../../src/operator/runtime/status.ts';

const POOL_LABEL = 'test.stratum.dev/pool';
const it = suite('operator: disks and pools');
let cluster: TestCluster;
let poolName: string;

const pool = () => cluster.get<StoragePool & { metadata: { name: string } }>(STORAGE_POOLS, poolName);
const nodeStatus = async (node: ClusterNode) => (await pool())?.status?.nodes?.find((n) => n.node === node.name);

/** Times (ms) of the operator's log lines that `match`, from `since` on. */
function retryTimes(logs: Record<string, unknown>[], match: (l: Record<string, unknown>) => boolean, since: number): number[] {
  return logs
    .filter(match)
    .map((l) => Date.parse(String(l.time)))
    .filter((t) => t >= since);
}

const capacities = () =>
  cluster.list<CSIStorageCapacity>(CSI_STORAGE_CAPACITIES, { labelSelector: `${CAPACITY_POOL_LABEL}=${poolName}` }, cluster.namespace);

it.before(
  reportFailure(async () => {
    cluster = await TestCluster.start({ agents: 3, nodeLabels: (i): Record<string, string> => (i < 2 ? { [POOL_LABEL]: 'yes' } : {}) });
    poolName = `${cluster.prefix}-hdd`;
    await cluster.createStorageClass(`${poolName}-sc`, { pool: poolName }, { volumeBindingMode: 'WaitForFirstConsumer' });
    await cluster.startOperator();
  }),
);

it.after(async () => {
  await cluster?.teardown();
});

it('every agent disk becomes a LocalDisk with its identity, size and media class', async () => {
  const disks = await waitFor(
    '6 LocalDisks',
    async () => {
      const d = await cluster.localDisks<LocalDisk>();
      return d.length === 6 && d.every((x) => x.status?.state === 'Available') ? d : undefined;
    },
    30_000,
    200,
  );
  for (const node of cluster.nodes) {
    const mine = disks.filter((d) => d.spec.nodeName === node.name);
    assert.is(mine.length, 2, node.name);
    for (const d of mine) {
      assert.ok(
        node.agent.attached.some((l) => l.file === d.status!.identity!.backingFile),
        'identity is the backing file',
      );
      assert.is(d.status!.capacity, '1Gi');
      assert.is(d.status!.mediaClass, 'hdd', 'loop devices are rotational');
      assert.is(findCondition(d.status!.conditions, 'Ready')?.status, 'True');
    }
  }
});

it('a pool forms on the selected nodes only, with the capacity vgs reports, published as CSIStorageCapacity', async () => {
  await cluster.createPool(poolName, { mediaClass: 'hdd', nodeSelector: { matchLabels: { [POOL_LABEL]: 'yes' } } });
  const ready = await waitFor(
    'pool Ready on 2 nodes',
    async () => {
      const p = await pool();
      return p?.status?.nodeCount === 2 && findCondition(p.status.conditions, 'Ready')?.status === 'True' ? p : undefined;
    },
    60_000,
    200,
  );
  assert.equal(ready.status!.nodes!.map((n) => n.node).sort(), [cluster.nodes[0]!.name, cluster.nodes[1]!.name]);
  for (const node of cluster.nodes.slice(0, 2)) {
    const row = await node.agent.poolVg(poolName);
    assert.ok(row, `${node.name} has the VG`);
    const s = await nodeStatus(node);
    assert.is(parseQuantity(s!.total!), BigInt(row!.vg_size!), `${node.name} total = vgs vg_size`);
    assert.is(parseQuantity(s!.free!), BigInt(row!.vg_free!), `${node.name} free = vgs vg_free`);
    assert.is(s!.disks, 2);
  }
  assert.is(await cluster.nodes[2]!.agent.poolVg(poolName), undefined, 'the unselected node has no VG');
  const caps = await waitFor(
    '2 CSIStorageCapacity objects',
    async () => ((await capacities()).length === 2 ? capacities() : undefined),
    20_000,
    200,
  );
  for (const c of caps) {
    const node = c.nodeTopology!.matchLabels!['topology.stratum.dev/node']!;
    const s = ready.status!.nodes!.find((n) => n.node === node)!;
    assert.is(c.storageClassName, `${poolName}-sc`);
    assert.is(parseQuantity(c.capacity!), parseQuantity(s.free!));
  }
  // Another controller writes that, from the agent's disk reports.
  await waitFor(
    'the 4 LocalDisks to say which pool holds them',
    async () => (await cluster.localDisks<LocalDisk>()).filter((d) => d.status?.pool === poolName).length === 4,
    20_000,
    200,
  );
});

it('the pool follows a disk added to a node: new LocalDisk, vgextend, capacity grows everywhere', async () => {
  const node = cluster.nodes[0]!;
  const before = parseQuantity((await nodeStatus(node))!.total!);
  await node.agent.addLoop(2 * 1024 ** 3);
  const grown = await waitFor(
    'the pool to grow on node 0',
    async () => {
      const s = await nodeStatus(node);
      return s && parseQuantity(s.total!) > before ? s : undefined;
    },
    60_000,
    200,
  );
  const row = await node.agent.poolVg(poolName);
  assert.is(row!.pv_count, '3');
  assert.is(parseQuantity(grown.total!), BigInt(row!.vg_size!));
  await waitFor(
    'CSIStorageCapacity to follow',
    async () => {
      const cap = (await capacities()).find((c) => c.nodeTopology?.matchLabels?.['topology.stratum.dev/node'] === node.name);
      return cap && parseQuantity(cap.capacity!) === parseQuantity(grown.free!);
    },
    20_000,
    200,
  );
});

it('a disk attached after start appears as a LocalDisk; detached, it becomes Missing with a reason and an Event', async () => {
  const node = cluster.nodes[2]!;
  const loop = await node.agent.addLoop(1024 ** 3);
  const disk = await waitFor(
    'the new LocalDisk',
    async () => (await cluster.localDisks<LocalDisk>()).find((d) => d.status?.identity?.backingFile === loop.file),
    30_000,
    200,
  );
  assert.is(disk.status!.state, 'Available');
  await node.agent.removeLoop(loop);
  const missing = await waitFor(
    'Missing',
    async () => {
      const d = await cluster.get<LocalDisk>(LOCAL_DISKS, disk.metadata.name!);
      return d?.status?.state === 'Missing' ? d : undefined;
    },
    30_000,
    200,
  );
  const ready = findCondition(missing.status!.conditions, 'Ready')!;
  assert.is(ready.status, 'False');
  assert.is(ready.reason, 'Missing');
  assert.match(ready.message, new RegExp(node.name));
  // The Event follows the status write that made the disk Missing, so it may land a moment later.
  await waitFor(
    'a DiskMissing event',
    async () => (await cluster.clusterEventsAbout(disk.metadata.name!)).some((e) => e.reason === 'DiskMissing'),
    10_000,
    200,
  );
});

it('an agent that is down shows in status with a reason, is retried with backoff, and recovers by itself', async () => {
  const node = cluster.nodes[1]!;
  const [op] = cluster.operators;
  const stoppedAt = Date.now();
  await node.agent.stop();
  const down = await waitFor(
    'node 1 not ready',
    async () => {
      const s = await nodeStatus(node);
      return s && !s.ready ? s : undefined;
    },
    60_000,
    200,
  );
  assert.match(down.message!, /AgentUnavailable/);
  const p = await pool();
  assert.match(findCondition(p!.status!.conditions, 'Ready')!.message, new RegExp(`${node.name}.*AgentUnavailable`));
  // Watch the retries for 20 s: counted, spaced by growing intervals, not a hot loop.
  const calls = () => op!.metric('stratum_agent_calls_total', { node: node.name });
  const start = await calls();
  await sleep(20_000);
  const made = (await calls()) - start;
  assert.ok(made <= 25, `${made} calls to a dead agent in 20 s`);
  const unavailable = await op!.exportedMetric('stratum_agent_calls_total', { node: node.name, code: 'UNAVAILABLE' });
  assert.ok(unavailable !== undefined && unavailable > 0, `failed calls to the dead agent are counted: ${unavailable}`);
  const retries = await op!.exportedMetric('stratum_workqueue_retries_total', { name: 'StoragePool' });
  assert.ok(retries !== undefined && retries > 0, `pool retries are counted: ${retries}`);
  // The disk watch of that node: its own retry loop, 500 ms doubling, 30 % jitter. Gap k is at
  // least its delay, 0.7 × 500 ms × 2^(k-1) (a later first attempt only lengthens it), less
  // 150 ms for a late timer on a loaded machine. A fixed interval or no retry fails here.
  const diskRetries = retryTimes(op!.logs(), (l) => l.msg === 'disk watch interrupted: retrying' && l.node === node.name, stoppedAt);
  const diskGaps = diskRetries.slice(1).map((t, i) => t - diskRetries[i]!);
  const shown = `${diskRetries.length} attempts, gaps ${diskGaps.join(', ')} ms`;
  assert.ok(diskGaps.length >= 4, `disk watch retries: ${shown}`);
  diskGaps.forEach((g, i) => {
    assert.ok(g >= 0.7 * 500 * 2 ** i - 150, `disk watch retry gap ${i + 1} at least ${0.7 * 500 * 2 ** i} ms: ${shown}`);
  });
  assert.ok(diskGaps.at(-1)! >= 4 * diskGaps[0]!, `disk watch retry gaps grow: ${shown}`);
  // The pool's reconciles go through the work queue's per-key backoff (doubling). Their gaps are
  // no witness: each attempt takes seconds on a loaded machine, and other changes (its disks, the
  // agent's state) reconcile it in between. So: the per-key failure count only grows (never reset
  // by those) and each retry is scheduled later than the one before.
  const poolFailures = op!
    .logs()
    .filter((l) => l.msg === 'reconcile failed: retrying' && l.key === poolName && Date.parse(String(l.time)) >= stoppedAt);
  const counts = poolFailures.map((l) => Number(l.retries));
  const delays = poolFailures.map((l) => Number(l.retryInMs));
  const seen = `retries ${counts.join(', ')}; scheduled in ${delays.join(', ')} ms`;
  assert.ok(counts.length >= 3 && counts.every((n, i) => i === 0 || n > counts[i - 1]!), `pool retry counts grow: ${seen}`);
  assert.ok(delays.every((d, i) => i === 0 || d >= delays[i - 1]!) && delays.at(-1)! >= 4 * delays[0]!, `pool retry delays grow: ${seen}`);
  await node.agent.start();
  await waitFor('node 1 ready again', async () => (await nodeStatus(node))?.ready, 60_000, 250);
});

it('a quiet cluster causes no writes (a minute of watching Stratum objects)', async () => {
  await sleep(3_000);
  const objects = [STORAGE_POOLS, LOCAL_DISKS];
  const versions = async () => {
    const out = new Map<string, string>();
    for (const rt of objects) for (const o of await cluster.list(rt)) out.set(`${rt.kind}/${o.metadata.name}`, o.metadata.resourceVersion!);
    for (const c of await capacities()) out.set(`cap/${c.metadata.name}`, c.metadata.resourceVersion!);
    return out;
  };
  const before = await versions();
  await sleep(60_000);
  const after = await versions();
  const changed = [...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
  assert.equal(changed, [], 'objects written while nothing changed');
});

it.run();
