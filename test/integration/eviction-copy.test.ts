// Eviction of a single-replica volume copies its data beside the reconcile workers: with one
// worker, another volume is made while a copy runs; the copy shows its progress in
// status.migration; taking the node out of spec.evictNodes cancels it, and the volume stays where
// it was with its data, the partial copy removed. Real agents (whole loop disks, the copy limited
// to 16 MiB/s so it lasts long enough to watch) and the operator as a process.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { LocalVolume, VolumeReplica } from '../../src/api/index.ts';
import { resourcePath } from '../../src/operator/runtime/kube/client.ts';
import { LOCAL_VOLUMES, VOLUME_REPLICAS } from '../../src/operator/resources.ts';
import { callAgent } from '../helpers/agent-harness.ts';
import { sha256Of, writeRandom } from '../helpers/device-data.ts';
import { TestCluster, reportFailure, waitFor, type ClusterNode } from './support.ts';

const MiB = 1024 ** 2;
const DISK_BYTES = 256 * MiB;
const it = suite('operator: eviction copy');
let cluster: TestCluster;
let diskPool: string;
let lvmPool: string;

const volume = (name: string) => cluster.get<LocalVolume>(LOCAL_VOLUMES, name);
const replicasOf = async (name: string) =>
  (await cluster.list<VolumeReplica>(VOLUME_REPLICAS)).filter((r) => r.spec.volume === name && !r.metadata.deletionTimestamp);
const patchVolume = (name: string, spec: Record<string, unknown>) =>
  cluster.client.request('PATCH', resourcePath(LOCAL_VOLUMES, undefined, name), { patchType: 'merge', body: { spec } });

const createVolume = (name: string, pool: string, size: string, node: ClusterNode) =>
  cluster.createVolume(name, { pool, size, accessibility: { nodes: [node.name] } });

const readyOn = (name: string, node: ClusterNode, timeoutMs = 120_000) =>
  waitFor(
    `${name} Ready on ${node.name}`,
    async () => {
      const v = await volume(name);
      return v?.status?.phase === 'Ready' && v.status.primaryNode === node.name && (await replicasOf(name)).length === 1 ? v : undefined;
    },
    timeoutMs,
    250,
  );

/** Waits until the copy has moved some but not all of the data, as status.migration shows it. */
const copying = (name: string) =>
  waitFor(
    `${name} copying, part way`,
    async () => {
      const m = (await volume(name))?.status?.migration;
      return m?.copiedBytes && m.totalBytes && m.copiedBytes < m.totalBytes ? m : undefined;
    },
    60_000,
    250,
  );

it.before(
  reportFailure(async () => {
    cluster = await TestCluster.start({
      agents: 2,
      loopsPerAgent: 1,
      harness: { loopSizeBytes: 1024 * MiB, extraArgs: ['--copy-bytes-per-second', '16Mi'] },
    });
    for (const n of cluster.nodes) await n.agent.addLoop(DISK_BYTES);
    diskPool = `${cluster.prefix}-disk`;
    lvmPool = `${cluster.prefix}-lvm`;
    await cluster.createPool(diskPool, { mediaClass: 'hdd', backend: 'disk', diskSelector: { maxSize: '300Mi' } });
    await cluster.createPool(lvmPool, { mediaClass: 'hdd', backend: 'lvm', diskSelector: { minSize: '512Mi' } });
    // One worker: a copy that held it would hold every other volume too.
    await cluster.startOperator(undefined, ['--workers', '1']);
    await cluster.poolOnNodes(diskPool, 2);
    await cluster.poolOnNodes(lvmPool, 2);
  }),
);

it.after(
  reportFailure(async () => {
    await cluster?.teardown();
  }),
);

let sum = '';

it('a copy in progress shows its bytes, leaves the one worker free for another volume, and ends verified on the new node', async () => {
  const [a, b] = cluster.nodes as [ClusterNode, ClusterNode];
  await createVolume('vol-copy', diskPool, '200Mi', a);
  await readyOn('vol-copy', a);
  const device = (await replicasOf('vol-copy'))[0]!.status!.devicePath!;
  await writeRandom(device, 64 * MiB);
  sum = await sha256Of(device, DISK_BYTES);

  await patchVolume('vol-copy', { evictNodes: [a.name] });
  const first = await copying('vol-copy');
  assert.is(first.from, a.name);
  assert.is(first.to, b.name);
  assert.match(first.message ?? '', `remove ${a.name} from spec.evictNodes to cancel`);
  await createVolume('vol-other', lvmPool, '64Mi', b);
  await readyOn('vol-other', b, 30_000);
  const still = (await volume('vol-copy'))!;
  assert.is(still.status?.primaryNode, a.name, 'another volume was made while the copy still ran');
  assert.ok((still.status?.migration?.copiedBytes ?? 0) < DISK_BYTES);

  const moved = await readyOn('vol-copy', b);
  assert.is(moved.status!.migration!.sha256, sum, 'status shows the verified checksum');
  assert.is(moved.status!.migration!.copiedBytes, DISK_BYTES);
  assert.is(await sha256Of((await replicasOf('vol-copy'))[0]!.status!.devicePath!, DISK_BYTES), sum);
});

it('taking the node out of spec.evictNodes cancels the copy: the volume stays with its data, the partial copy goes', async () => {
  const [a, b] = cluster.nodes as [ClusterNode, ClusterNode];
  await patchVolume('vol-copy', { evictNodes: [b.name] });
  await copying('vol-copy');
  await patchVolume('vol-copy', { evictNodes: null });
  const stayed = await readyOn('vol-copy', b, 60_000);
  assert.match(stayed.status!.migration!.message ?? '', `cancelled: ${b.name} is no longer evicted`);
  assert.is(await sha256Of((await replicasOf('vol-copy'))[0]!.status!.devicePath!, DISK_BYTES), sum, 'the data is where it was');
  await waitFor(
    `the partial copy on ${a.name} released`,
    async () => !(await callAgent(a.agent.client, 'ListVolumes', {})).volumes.some((v) => v.id === 'vol-copy'),
    60_000,
    250,
  );
  const events = await cluster.clusterEventsAbout('vol-copy');
  assert.ok(
    events.some((e) => e.reason === 'MigrationCancelled'),
    events.map((e) => e.reason).join(', '),
  );
});

it.run();
