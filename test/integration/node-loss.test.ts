// Nodes that go away, against the real control plane, real agents (lvm2 on loop devices) and the
// operator as a process, with a 3 s grace period and a 1 s volume scan: an agent that stops
// answering turns its volume Lost with NodeLost (never a stale Ready), and Ready again once it is
// back; an LV removed behind Stratum's back turns its volume Lost with VolumeLost (nothing
// re-created empty); the disk under a volume unplugged turns it Lost with DiskMissing, the disk
// named; a Node deleted for good turns its volume Lost with NodeDeleted, its LocalDisks
// are removed, and deleting the volume completes without any annotation, with an Event saying what
// may remain.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { LocalDisk, LocalVolume, VolumeReplica } from '../../src/api/index.ts';
import { resourcePath } from '../../src/operator/runtime/kube/client.ts';
import { LOCAL_VOLUMES, VOLUME_REPLICAS } from '../../src/operator/resources.ts';
import { findCondition } from '../../src/operator/runtime/status.ts';
import { TestCluster, reportFailure, waitFor, type ClusterNode } from './support.ts';

const it = suite('operator: node loss');
let cluster: TestCluster;
let pool: string;

const volume = (name: string) => cluster.get<LocalVolume>(LOCAL_VOLUMES, name);
const replicaOf = async (name: string) => (await cluster.list<VolumeReplica>(VOLUME_REPLICAS)).find((r) => r.spec.volume === name);

async function createVolume(name: string, node: ClusterNode): Promise<void> {
  await cluster.createVolume(name, { pool, size: '64Mi', accessibility: { nodes: [node.name] } });
  await waitFor(`${name} Ready`, async () => (await volume(name))?.status?.phase === 'Ready', 90_000, 250);
}

/** Waits for the volume's phase and Ready reason; returns the volume. */
function volumeIs(name: string, phase: string, reason: string, timeoutMs: number): Promise<LocalVolume> {
  return waitFor(
    `${name} ${phase} (${reason})`,
    async () => {
      const v = await volume(name);
      return v?.status?.phase === phase && findCondition(v.status.conditions, 'Ready')?.reason === reason ? v : undefined;
    },
    timeoutMs,
    250,
  );
}

it.before(
  reportFailure(async () => {
    cluster = await TestCluster.start({ agents: 2, loopsPerAgent: 1 });
    pool = `${cluster.prefix}-nl`;
    await cluster.createPool(pool, { mediaClass: 'hdd', backend: 'lvm' });
    await cluster.startOperator(undefined, ['--node-lost-grace-ms', '3000', '--volume-scan-interval-ms', '1000']);
    await cluster.poolOnNodes(pool, 2);
  }),
);

it.after(
  reportFailure(async () => {
    await cluster?.teardown();
  }),
);

it('an agent away past the grace period: the volume is Lost with NodeLost naming the node; back, it is Ready again', async () => {
  const node = cluster.nodes[0]!;
  await createVolume('vol-away', node);
  await node.agent.stop();
  try {
    const lost = await volumeIs('vol-away', 'Lost', 'NodeLost', 60_000);
    const message = findCondition(lost.status!.conditions, 'Ready')!.message;
    assert.match(message, `data unavailable: replica on ${node.name}: the agent on node ${node.name} has not answered since`);
    assert.match(message, 'longer than the 3 s grace period');
    assert.is((await replicaOf('vol-away'))?.status?.state, 'Lost');
  } finally {
    await node.agent.start();
  }
  await volumeIs('vol-away', 'Ready', 'Ready', 90_000);
  assert.is((await replicaOf('vol-away'))?.status?.state, 'Ready');
});

it('an LV removed behind its back: the replica and the volume are Lost (VolumeLost), and no LV is made again', async () => {
  const node = cluster.nodes[0]!;
  await createVolume('vol-vanished', node);
  const lvs = async () =>
    (await node.agent.lvm('lvs', ['--noheadings', '-o', 'lv_name', `stratum-${pool}`])).split('\n').map((l) => l.trim());
  assert.ok((await lvs()).includes('vol-vanished'));
  await node.agent.lvm('lvremove', ['-f', `stratum-${pool}/vol-vanished`]);
  const lost = await volumeIs('vol-vanished', 'Lost', 'VolumeLost', 30_000);
  // The volume scan (the LV is no longer listed) and the replica's own reconcile word it alike.
  assert.match(
    findCondition(lost.status!.conditions, 'Ready')!.message,
    new RegExp(`of volume vol-vanished in pool ${pool} on node ${node.name} is gone although it was made there\\. Not re-created empty`),
  );
  assert.is((await replicaOf('vol-vanished'))?.status?.state, 'Lost');
  await new Promise((r) => setTimeout(r, 3_000));
  assert.not.ok((await lvs()).includes('vol-vanished'), 'not re-created empty');
  await cluster.client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, 'vol-vanished'));
  await waitFor('vol-vanished deleted', async () => !(await volume('vol-vanished')), 60_000, 250);
});

it('the disk under a volume unplugged: the replica and the volume are Lost (DiskMissing) with the disk named', async () => {
  const node = cluster.nodes[0]!;
  await createVolume('vol-unplugged', node);
  const disk = (await cluster.localDisks<LocalDisk>()).find((d) => d.spec.nodeName === node.name && d.status?.pool === pool)!;
  await node.agent.removeLoop(node.agent.attached[0]!);
  const lost = await volumeIs('vol-unplugged', 'Lost', 'DiskMissing', 60_000);
  assert.match(
    findCondition(lost.status!.conditions, 'Ready')!.message,
    `of volume vol-unplugged in pool ${pool} on node ${node.name} is gone although it was made there (missing from the node: disk ${disk.metadata.name} (`,
  );
  const replica = (await replicaOf('vol-unplugged'))!;
  assert.is(replica.status?.state, 'Lost');
  assert.is(findCondition(replica.status!.conditions, 'Ready')?.reason, 'DiskMissing');
  // And it stays so: the replica's own reconcile (its LV not found) must not turn it back to VolumeLost.
  await new Promise((r) => setTimeout(r, 3_000));
  assert.is(findCondition((await replicaOf('vol-unplugged'))!.status!.conditions, 'Ready')?.reason, 'DiskMissing');
  assert.is(findCondition((await volume('vol-unplugged'))!.status!.conditions, 'Ready')?.reason, 'DiskMissing');
  await cluster.client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, 'vol-unplugged'));
  await waitFor('vol-unplugged deleted', async () => !(await volume('vol-unplugged')), 60_000, 250);
});

it('a Node deleted for good: the volume is Lost (NodeDeleted), its LocalDisks go, and deleting the volume needs no annotation', async () => {
  const node = cluster.nodes[1]!;
  await createVolume('vol-gone', node);
  const disksOf = async () => (await cluster.localDisks<LocalDisk>()).filter((d) => d.spec.nodeName === node.name);
  assert.ok((await disksOf()).length > 0, 'the node has LocalDisks');
  // As when a machine is removed from the cluster: its agent dies, its Pod and Node object are deleted.
  await node.agent.stop();
  await cluster.kubelet.deletePod(cluster.namespace, node.pod);
  await cluster.kubelet.removeNode(node.name);

  const lost = await volumeIs('vol-gone', 'Lost', 'NodeDeleted', 30_000);
  assert.match(findCondition(lost.status!.conditions, 'Ready')!.message, `node ${node.name} was deleted`);
  await waitFor(`no LocalDisk of ${node.name} left`, async () => (await disksOf()).length === 0, 30_000, 250);

  const replica = (await replicaOf('vol-gone'))!;
  await cluster.client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, 'vol-gone'));
  await waitFor('vol-gone and its replica gone', async () => !(await volume('vol-gone')) && !(await replicaOf('vol-gone')), 60_000, 250);
  const events = await cluster.clusterEventsAbout(replica.metadata.name!);
  // Two NodeDeleted Warnings: the replica turning Lost, and its release.
  const released = events.find((e) => e.reason === 'NodeDeleted' && e.message.startsWith('released:'));
  assert.ok(released, 'a NodeDeleted Event on the replica');
  assert.match(released.message, `released: node ${node.name} was deleted; volume vol-gone may remain on node ${node.name}`);
});

it.run();
