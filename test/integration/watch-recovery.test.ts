// Issue 6: the operator's watches survive the API server going away. On a control plane of its
// own (the shared one serves other tests), kube-apiserver is stopped for 15 s while the world
// changes under it — a disk attached on the pool's node, a disk detached on another — and started
// again. While the operator is held (SIGSTOP, so none of its watches can have reconnected) a
// CSIStorageCapacity is deleted and the pool's nodeSelector widened through the API: only a
// relist can tell it. The same operator process, never restarted, converges on all of it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TOPOLOGY_KEY } from '../../src/common/constants.ts';
import { parseQuantity } from '../../src/api/quantity.ts';
import type { LocalDisk, StoragePool } from '../../src/api/index.ts';
import { resourcePath } from '../../src/operator/runtime/kube/client.ts';
import { CSI_STORAGE_CAPACITIES, STORAGE_POOLS } from '../../src/operator/resources.ts';
import { CAPACITY_POOL_LABEL, type CSIStorageCapacity } from '../../src/operator/pools/capacity.ts';
import type { OperatorProcess } from '../helpers/operator-process.ts';
import { ControlPlane } from '../rig/control-plane.ts';
import { TestCluster, reportFailure, sleep, waitFor, type ClusterNode } from './support.ts';
import { findCondition } from '../../src/operator/runtime/status.ts';

const POOL_LABEL = 'test.stratum.dev/pool';
// A leader that cannot renew for 2/3 of its lease exits (by design): the outage must stay shorter.
const LEASE_MS = 90_000;
const GiB = 1024 ** 3;
const OUTAGE_MS = 15_000;

const it = suite('operator: watch recovery');
let plane: ControlPlane | undefined;
let cluster: TestCluster | undefined;
let op: OperatorProcess | undefined;
let held = false;
let poolName: string;

const c = () => cluster!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** SIGSTOP/SIGCONT to the operator's process group. */
const signalOperator = (signal: 'SIGSTOP' | 'SIGCONT') => process.kill(-op!.proc.pid!, signal);
/** A check that treats a failing API call as "not yet": the API server comes and goes here. */
const soft =
  <T>(check: () => Promise<T>) =>
  () =>
    check().catch(() => undefined);

const pool = () => c().get<StoragePool>(STORAGE_POOLS, poolName);
const capacities = () =>
  c().list<CSIStorageCapacity>(CSI_STORAGE_CAPACITIES, { labelSelector: `${CAPACITY_POOL_LABEL}=${poolName}` }, c().namespace);
const capacityNode = (cap: CSIStorageCapacity) => cap.nodeTopology?.matchLabels?.[TOPOLOGY_KEY];
const diskOf = async (file: string) => (await c().localDisks<LocalDisk>()).find((d) => d.status?.identity?.backingFile === file);

/** Pool status, CSIStorageCapacity and `vgs` agree on every node of `nodes`, each with `disks` PVs. */
async function converged(nodes: readonly ClusterNode[], disks: readonly number[]): Promise<boolean> {
  const p = await pool();
  if (p?.status?.nodeCount !== nodes.length || findCondition(p.status.conditions, 'Ready')?.reason !== 'Ready') return false;
  const caps = await capacities();
  if (caps.length !== nodes.length) return false;
  for (const [i, node] of nodes.entries()) {
    const s = p.status.nodes?.find((n) => n.node === node.name);
    const row = await node.agent.poolVg(poolName);
    const cap = caps.find((x) => capacityNode(x) === node.name);
    if (!s?.ready || !row || !cap || s.disks !== disks[i] || row.pv_count !== String(disks[i])) return false;
    if (parseQuantity(s.total!) !== BigInt(row.vg_size!) || parseQuantity(s.free!) !== BigInt(row.vg_free!)) return false;
    if (parseQuantity(cap.capacity!) !== parseQuantity(s.free!)) return false;
  }
  return true;
}

it.before(
  reportFailure(async () => {
    plane = await ControlPlane.start();
    cluster = await TestCluster.start({ agents: 2, controlPlane: plane, nodeLabels: (i) => ({ [POOL_LABEL]: `n${i}` }) });
    poolName = `${cluster.prefix}-hdd`;
    await cluster.createStorageClass(`${poolName}-sc`, { pool: poolName }, { volumeBindingMode: 'WaitForFirstConsumer' });
    op = await cluster.startOperator('operator', [], { leaseDurationMs: LEASE_MS });
  }),
);

it.after(
  reportFailure(async () => {
    try {
      if (held) signalOperator('SIGCONT');
      // Teardown deletes through the API: bring it back if the test stopped halfway.
      await plane?.startApiServer();
    } finally {
      try {
        await cluster?.teardown();
      } finally {
        await plane?.teardown();
      }
    }
  }),
);

it('the watch connection is cut and the operator converges without a restart', async () => {
  const [n0, n1] = c().nodes as [ClusterNode, ClusterNode];
  await c().createPool(poolName, { mediaClass: 'hdd', nodeSelector: { matchLabels: { [POOL_LABEL]: 'n0' } } });
  await waitFor('the pool on node 0 with 2 disks', () => converged([n0], [2]), 60_000, 250);
  const pid = op!.proc.pid;
  const restartsBefore = await op!.metric('stratum_watch_restarts_total');
  assert.is(await op!.metric('stratum_watch_events_total', { resource: 'csistoragecapacities.storage.k8s.io', type: 'DELETED' }), 0);
  const diskErrorsBefore = await op!.metric('stratum_reconcile_total', { kind: 'LocalDisk', result: 'error' });
  const detached = n1.agent.attached[0]!;
  const detachedDisk = await waitFor('the LocalDisk of the disk to detach', () => diskOf(detached.file), 10_000, 200);

  const cutAt = Date.now();
  await plane!.stopApiServer();
  const downAt = Date.now();
  const added = await n0.agent.addLoop(2 * GiB);
  await n1.agent.removeLoop(detached);
  // The operator hears of both from its agents and cannot write them: it runs through the outage.
  await waitFor(
    'LocalDisk writes failing during the outage',
    async () => (await op!.metric('stratum_reconcile_total', { kind: 'LocalDisk', result: 'error' })) > diskErrorsBefore,
    30_000,
    200,
  );
  // Stay down long enough for the retry backoffs (watches, work queue) to grow well past their base.
  await sleep(OUTAGE_MS - (Date.now() - downAt));
  const restartsDuringOutage = await op!.metric('stratum_watch_restarts_total');
  assert.ok(restartsDuringOutage > restartsBefore, 'the broken watches restarted (and failed) during the outage');

  signalOperator('SIGSTOP');
  held = true;
  const heldAt = Date.now();
  await plane!.startApiServer();
  const upAt = Date.now();
  // Changes made while the operator's watches are broken: it can learn them only by relisting.
  const cap0 = await waitFor(
    'the CSIStorageCapacity of node 0',
    soft(async () => (await capacities()).find((x) => capacityNode(x) === n0.name)),
    30_000,
    200,
  );
  await c().client.request('DELETE', resourcePath(CSI_STORAGE_CAPACITIES, c().namespace, cap0.metadata.name));
  await c().client.request('PATCH', resourcePath(STORAGE_POOLS, undefined, poolName), {
    patchType: 'merge',
    body: { spec: { nodeSelector: { matchLabels: null, matchExpressions: [{ key: POOL_LABEL, operator: 'In', values: ['n0', 'n1'] }] } } },
  });
  signalOperator('SIGCONT');
  held = false;
  const releasedAt = Date.now();

  await waitFor(
    'the pool on both nodes, with node 0 grown and node 1 formed from its remaining disk',
    soft(() => converged([n0, n1], [3, 1])),
    90_000,
    250,
  );
  const convergedAt = Date.now();
  await waitFor(
    'the disk attached during the outage: a LocalDisk in the pool',
    soft(async () => (await diskOf(added.file))?.status?.pool === poolName),
    20_000,
    250,
  );
  const gone = await waitFor(
    'the detached disk Missing',
    soft(async () => {
      const d = await diskOf(detached.file);
      return d?.status?.state === 'Missing' ? d : undefined;
    }),
    30_000,
    250,
  );
  assert.is(gone.metadata.name, detachedDisk.metadata.name, 'the same LocalDisk, kept as Missing');

  assert.is(op!.proc.exitReason, undefined, 'the operator still runs');
  assert.is(op!.proc.pid, pid, 'the same operator process');
  assert.is(op!.logs().filter((l) => l.msg === 'controllers running').length, 1, 'the controllers started once');
  const restartsAfter = await op!.metric('stratum_watch_restarts_total');
  // No live watch carried the delete (none was connected): the relist's difference did.
  assert.ok(
    (await op!.metric('stratum_watch_events_total', { resource: 'csistoragecapacities.storage.k8s.io', type: 'DELETED' })) >= 1,
    'the relist emitted the missed delete',
  );
  process.stdout.write(
    `\n[watch-recovery] kube-apiserver stopped in ${seconds(downAt - cutAt)}, down ${seconds(upAt - downAt)} (restart ${seconds(upAt - heldAt)}); ` +
      `operator held ${seconds(releasedAt - heldAt)}; converged ${seconds(convergedAt - releasedAt)} after release; ` +
      `watch restarts ${restartsBefore} → ${restartsDuringOutage} → ${restartsAfter}\n`,
  );
});

it.run();
