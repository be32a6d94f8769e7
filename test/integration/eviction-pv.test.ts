// An eviction whose PersistentVolume cannot follow keeps its source. The real API server (without
// the MutablePVNodeAffinity feature, as most clusters run) refuses any change of a PV's node
// affinity: a moved volume's data is copied and verified, the move stops with MigrationBlocked
// quoting the refusal and what to do, and the replica on the old node stays. Once the PV is
// recreated with the new node, as the message says, the move completes and the old replica goes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { LocalVolume, VolumeReplica } from '../../src/api/index.ts';
import { CSI_DRIVER_NAME, TOPOLOGY_KEY } from '../../src/common/constants.ts';
import { resourcePath, type KubeObject } from '../../src/operator/runtime/kube/client.ts';
import { LOCAL_VOLUMES, PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES, VOLUME_REPLICAS } from '../../src/operator/resources.ts';
import { TestCluster, reportFailure, waitFor } from './support.ts';

const MiB = 1024 ** 2;
const it = suite('operator: eviction waits for the PersistentVolume');
let cluster: TestCluster;
let pool: string;

const volume = () => cluster.get<LocalVolume>(LOCAL_VOLUMES, 'vol-pinned');
const replicas = async () => (await cluster.list<VolumeReplica>(VOLUME_REPLICAS)).filter((r) => r.spec.volume === 'vol-pinned');
type PersistentVolume = KubeObject & {
  spec: { nodeAffinity: { required: { nodeSelectorTerms: { matchExpressions: { values: string[] }[] }[] } } };
};
const pvNodes = async () =>
  (await cluster.get<PersistentVolume>(PERSISTENT_VOLUMES, `${cluster.prefix}-pv`))?.spec.nodeAffinity.required.nodeSelectorTerms[0]
    ?.matchExpressions[0]?.values;

it.before(
  reportFailure(async () => {
    // One loop device starts each agent's disk filter; the small one added holds the volume.
    cluster = await TestCluster.start({ agents: 2, loopsPerAgent: 1 });
    for (const n of cluster.nodes) await n.agent.addLoop(128 * MiB);
    pool = `${cluster.prefix}-pin`;
    await cluster.createPool(pool, { mediaClass: 'hdd', backend: 'disk', diskSelector: { maxSize: '256Mi' } });
    await cluster.startOperator();
    await cluster.poolOnNodes(pool, 2);
  }),
);

it.after(
  reportFailure(async () => {
    const pv = resourcePath(PERSISTENT_VOLUMES, undefined, `${cluster?.prefix}-pv`);
    await cluster?.client.request('DELETE', pv).catch(() => undefined);
    await cluster?.client.request('PATCH', pv, { patchType: 'merge', body: { metadata: { finalizers: null } } }).catch(() => undefined);
    await cluster?.teardown();
  }),
);

it('a refused PV change keeps the source with MigrationBlocked; once allowed, the PV follows and then the source goes', async () => {
  const [from, to] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
  const claim = { namespace: cluster.namespace, name: 'pinned-claim' };
  const pvName = `${cluster.prefix}-pv`;
  // A bound claim and its PV, as csi-provisioner would leave them (no controller-manager here).
  const createPv = (node: string) =>
    cluster.client.request('POST', resourcePath(PERSISTENT_VOLUMES), {
      body: {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: pvName },
        spec: {
          capacity: { storage: '100Mi' },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Retain',
          csi: { driver: CSI_DRIVER_NAME, volumeHandle: 'vol-pinned' },
          claimRef: claim,
          nodeAffinity: {
            required: { nodeSelectorTerms: [{ matchExpressions: [{ key: TOPOLOGY_KEY, operator: 'In', values: [node] }] }] },
          },
        },
      },
    });
  await createPv(from.name);
  await cluster.create(PERSISTENT_VOLUME_CLAIMS, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: claim.name, namespace: claim.namespace },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Mi' } }, volumeName: pvName, storageClassName: '' },
  });
  await cluster.createVolume('vol-pinned', { pool, size: '100Mi', accessibility: { nodes: [from.name] }, pvcRef: claim });
  await waitFor('vol-pinned Ready', async () => (await volume())?.status?.phase === 'Ready', 90_000, 250);

  await cluster.client.request('PATCH', resourcePath(LOCAL_VOLUMES, undefined, 'vol-pinned'), {
    patchType: 'merge',
    body: { spec: { evictNodes: [from.name] } },
  });
  const blocked = await waitFor(
    'the move blocked by the PV',
    async () => {
      const v = await volume();
      return v?.status?.phase === 'Migrating' && v.status.migration?.message?.includes('stays until the PersistentVolume admits')
        ? v
        : undefined;
    },
    120_000,
    250,
  );
  assert.match(blocked.status!.migration!.message!, `PersistentVolume ${pvName} still names other nodes`);
  assert.match(blocked.status!.migration!.message!, 'field is immutable');
  assert.match(blocked.status!.migration!.message!, `recreate the PV with node(s) ${to.name}`);
  assert.ok(blocked.status!.migration!.sha256, 'the copy was verified');
  assert.equal((await replicas()).map((r) => r.spec.node).sort(), [from.name, to.name].sort(), 'the source stays beside the copy');
  assert.equal(await pvNodes(), [from.name]);
  const events = await cluster.clusterEventsAbout('vol-pinned');
  assert.ok(
    events.some((e) => e.reason === 'MigrationBlocked'),
    'a MigrationBlocked Warning',
  );

  // What the message says to do: the PV recreated with the new node (its claim and data unchanged).
  await cluster.client.request('DELETE', resourcePath(PERSISTENT_VOLUMES, undefined, pvName));
  // kube-controller-manager's pv-protection would release it; this test runs none.
  await cluster.client.request('PATCH', resourcePath(PERSISTENT_VOLUMES, undefined, pvName), {
    patchType: 'merge',
    body: { metadata: { finalizers: null } },
  });
  await waitFor('the old PV gone', async () => !(await cluster.get<PersistentVolume>(PERSISTENT_VOLUMES, pvName)), 30_000, 250);
  await createPv(to.name);
  const moved = await waitFor(
    'the move completed once the PV could follow',
    async () => {
      const v = await volume();
      return v?.status?.phase === 'Ready' && v.status.primaryNode === to.name ? v : undefined;
    },
    120_000,
    250,
  );
  assert.match(moved.status!.migration!.message!, `moved from ${from.name} to ${to.name}`);
  assert.equal(await pvNodes(), [to.name]);
  // The old replica is released once its agent confirms the disk is free.
  await waitFor(
    `only the replica on ${to.name} left`,
    async () => (await replicas()).map((r) => r.spec.node).join() === to.name,
    30_000,
    250,
  );
});

it.run();
