// Issue 7 against the real control plane, three real agents (real lvm2 metadata, real loop
// devices, real drbdadm) and the operator as a real process: create, grow, replicate, evict with a
// verified copy, delete, refuse what does not fit, and survive being killed at any point.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { LocalVolume, StoragePool, VolumeReplica } from '../../src/api/index.ts';
import { run } from '../../src/common/exec.ts';
import { FINALIZER } from '../../src/common/constants.ts';
import { resourcePath, type KubeObject } from '../../src/operator/runtime/kube/client.ts';
import { LOCAL_VOLUMES, STORAGE_POOLS, VOLUME_REPLICAS } from '../../src/operator/resources.ts';
import { EVENTS } from './csi-support.ts';
import { parseQuantity } from '../../src/api/quantity.ts';
import { FAST_TAKEOVER_LEASE_MS } from '../helpers/operator-process.ts';
import { TestCluster, reportFailure, sleep, waitFor, type ClusterNode } from './support.ts';
import { callAgent } from '../helpers/agent-harness.ts';
import { findCondition } from '../../src/operator/runtime/status.ts';
import { TRANSITION_SHOWN_AFTER_MS } from '../../src/operator/volumes/localvolume-reconciler.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { sha256Of, writeRandom } from '../helpers/device-data.ts';

// The kill rounds start the next operator at once: it takes over when the killed one's lease runs out.
const FAST_TAKEOVER = { leaseDurationMs: FAST_TAKEOVER_LEASE_MS };

const MiB = 1024 ** 2;
const it = suite('operator: volume lifecycle');
let cluster: TestCluster;
let lvmPool: string;
let diskPool: string;

type Volume = LocalVolume & { metadata: { name: string } };
const volume = (name: string) => cluster.get<Volume>(LOCAL_VOLUMES, name);
const replicasOf = async (name: string) => (await cluster.list<VolumeReplica>(VOLUME_REPLICAS)).filter((r) => r.spec.volume === name);
const eventReasons = async (name: string): Promise<string[]> => (await cluster.clusterEventsAbout(name)).map((e) => e.reason);
/** Waits for the volume's phase; `observed`: and for the operator to have seen its latest spec. */
const phaseIs = (name: string, phase: string, timeoutMs = 60_000, observed = true) =>
  waitFor(
    `${name} ${phase}`,
    async () => {
      const v = await volume(name);
      return v?.status?.phase === phase && (!observed || v.status.observedGeneration === v.metadata.generation) ? v : undefined;
    },
    timeoutMs,
    200,
  );

/** The volume's and its replicas' status, for a failure message that shows where it stopped. */
async function explain(name: string): Promise<string> {
  const v = await volume(name);
  const replicas = await replicasOf(name);
  return JSON.stringify(
    {
      volume: { ...meta(v), spec: v?.spec, status: v?.status },
      replicas: replicas.map((r) => ({ name: r.metadata.name, ...meta(r), spec: r.spec, status: r.status })),
    },
    null,
    1,
  );
}

function meta(o: KubeObject | undefined) {
  return { generation: o?.metadata.generation, deletionTimestamp: o?.metadata.deletionTimestamp, finalizers: o?.metadata.finalizers };
}

/** Like waitFor, but a timeout says what the volume looked like. */
async function waitForVolume<T>(name: string, what: string, check: () => Promise<T>, timeoutMs: number): Promise<NonNullable<T>> {
  try {
    return await waitFor(what, check, timeoutMs, 250);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await explain(name)}`);
  }
}

/** LVs tagged for `volume` on a node, by `lvs` (the agent's own LVM view). */
async function lvsFor(node: ClusterNode, name: string): Promise<{ lv_name: string; lv_size: string }[]> {
  const rows = await node.agent.lvmReport<{ lv_name: string; lv_size: string; lv_tags: string }>('lvs', 'lv_name,lv_size,lv_tags');
  return rows.filter((r) => r.lv_tags.split(',').includes(`stratum.volume=${name}`));
}

async function createVolume(name: string, spec: Partial<LocalVolume['spec']>): Promise<void> {
  await cluster.createVolume(name, { pool: lvmPool, size: '256Mi', ...spec });
}

const patchVolume = (name: string, spec: Record<string, unknown>) =>
  cluster.client.request('PATCH', resourcePath(LOCAL_VOLUMES, undefined, name), { patchType: 'merge', body: { spec } });

it.before(
  reportFailure(async () => {
    // No DRBD module here: the agents assume one — DRBD 9 on node-a and node-b, the kernel's own 8.4 on node-c.
    cluster = await TestCluster.start({ agents: 3, harness: { drbd: true, drbdVersions: ['9.2.0', '9.2.0', '8.4.11'] } });
    // A small extra disk per node for the `backend: disk` pool, whose volumes are real devices.
    for (const n of cluster.nodes) await n.agent.addLoop(128 * MiB);
    lvmPool = `${cluster.prefix}-lvm`;
    diskPool = `${cluster.prefix}-disk`;
    const pool = (name: string, spec: Record<string, unknown>) => cluster.createPool(name, { mediaClass: 'hdd', ...spec });
    await pool(lvmPool, { backend: 'lvm', diskSelector: { minSize: '512Mi' } });
    await pool(diskPool, { backend: 'disk', diskSelector: { maxSize: '256Mi' } });
    await cluster.createStorageClass(`${lvmPool}-sc`, { pool: lvmPool });
    await cluster.startOperator(undefined, [], FAST_TAKEOVER);
    await cluster.poolsOnNodes([lvmPool, diskPool], 3);
  }),
);

it.after(
  reportFailure(async () => {
    await cluster?.teardown();
  }),
);

it('create → Ready, with the LV on the requested node (lvs)', async () => {
  const node = cluster.nodes[1]!;
  await createVolume('vol-a', { accessibility: { nodes: [node.name] } });
  const v = await phaseIs('vol-a', 'Ready');
  assert.is(v.status!.primaryNode, node.name);
  assert.is(v.status!.capacity, '256Mi');
  assert.equal(
    v.status!.replicas!.map((r) => [r.node, r.role, r.state]),
    [[node.name, 'primary', 'Ready']],
  );
  const lvs = await lvsFor(node, 'vol-a');
  assert.is(lvs.length, 1);
  assert.is(Number(lvs[0]!.lv_size), 256 * MiB);
  for (const other of cluster.nodes.filter((n) => n !== node)) assert.is((await lvsFor(other, 'vol-a')).length, 0);
  // What the operator wrote is signed with its name, for `kubectl get -o yaml --show-managed-fields` and audit logs.
  const managers = (o: KubeObject | undefined) =>
    (o?.metadata as { managedFields?: { manager: string; subresource?: string }[] } | undefined)?.managedFields?.map((f) =>
      `${f.manager} ${f.subresource ?? ''}`.trim(),
    );
  assert.ok(managers(await volume('vol-a'))?.includes('stratum-operator status'), JSON.stringify(managers(await volume('vol-a'))));
  assert.equal(managers((await replicasOf('vol-a'))[0])?.sort(), ['stratum-operator', 'stratum-operator status']);
});

it("a LocalVolume is born with its finalizer (the install's admission policy); removed while the volume lives, the operator puts it back", async () => {
  const created = await cluster.createVolume('vol-fin', { pool: lvmPool, size: '64Mi' });
  assert.equal(created.metadata.finalizers, [FINALIZER], 'in the answer to the create: added in admission, not by a later patch');
  await phaseIs('vol-fin', 'Ready');
  await cluster.client.request('PATCH', resourcePath(LOCAL_VOLUMES, undefined, 'vol-fin'), {
    patchType: 'merge',
    body: { metadata: { finalizers: null } },
  });
  await waitForVolume('vol-fin', 'finalizer back', async () => (await volume('vol-fin'))?.metadata.finalizers?.includes(FINALIZER), 30_000);
  await cluster.client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, 'vol-fin'));
  await waitFor('vol-fin gone', async () => !(await volume('vol-fin')), 60_000, 250);
  for (const n of cluster.nodes) assert.is((await lvsFor(n, 'vol-fin')).length, 0, n.name);
});

it('a creation or a deletion that lingers (its agent hung) shows phase Creating or Deleting and why once it has waited a while, not before', async () => {
  const node = cluster.nodes[0]!;
  // Before the agent call's 30 s deadline: the wait alone shows, not a failure.
  node.agent.pause();
  let paused = true;
  try {
    const asked = Date.now();
    await createVolume('vol-slow', { accessibility: { nodes: [node.name] } });
    const creating = await waitForVolume(
      'vol-slow',
      'a phase',
      async () => ((await volume('vol-slow'))?.status?.phase ? volume('vol-slow') : undefined),
      28_000,
    );
    assert.is(creating.status!.phase, 'Creating');
    assert.match(findCondition(creating.status!.conditions, 'Ready')!.message, `replica on ${node.name}: not created yet`);
    // creationTimestamp has whole seconds.
    assert.ok(Date.now() - asked >= TRANSITION_SHOWN_AFTER_MS - 1_000, `shown ${Date.now() - asked} ms after the create`);
    node.agent.resume();
    paused = false;
    await phaseIs('vol-slow', 'Ready');

    node.agent.pause();
    paused = true;
    const deleteAsked = Date.now();
    await cluster.client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, 'vol-slow'));
    const deleting = await waitForVolume(
      'vol-slow',
      'phase Deleting',
      async () => {
        const v = await volume('vol-slow');
        return v?.status?.phase !== 'Ready' ? v : undefined;
      },
      28_000,
    );
    assert.is(deleting.status!.phase, 'Deleting');
    assert.is(findCondition(deleting.status!.conditions, 'Ready')!.message, 'waiting for the agents to confirm removal');
    // deletionTimestamp has whole seconds too.
    assert.ok(Date.now() - deleteAsked >= TRANSITION_SHOWN_AFTER_MS - 1_000, `shown ${Date.now() - deleteAsked} ms after the delete`);
    node.agent.resume();
    paused = false;
  } finally {
    if (paused) node.agent.resume();
  }
  await waitFor('vol-slow gone', async () => !(await volume('vol-slow')), 60_000, 250);
  assert.not.ok((await eventReasons('vol-slow')).includes('VolumeReady'), 'Creating, then its first Ready: no Event');
});

it('a status left wrong (written over here, as a write from a lagging cache could leave it) is put right: volume and replica', async () => {
  await phaseIs('vol-a', 'Ready');
  const patchStatus = (rt: typeof LOCAL_VOLUMES, name: string, status: Record<string, unknown>) =>
    cluster.client.request('PATCH', resourcePath(rt, undefined, name, 'status'), { patchType: 'merge', body: { status } });
  await patchStatus(LOCAL_VOLUMES, 'vol-a', { phase: 'Expanding' });
  await phaseIs('vol-a', 'Ready', 15_000);
  const [r] = await replicasOf('vol-a');
  await patchStatus(VOLUME_REPLICAS, r!.metadata.name!, { state: 'Creating' });
  await waitForVolume('vol-a', 'the replica Ready again', async () => (await replicasOf('vol-a'))[0]?.status?.state === 'Ready', 15_000);
  await phaseIs('vol-a', 'Ready', 15_000);
});

it('growing spec.size grows the LV and status.capacity', async () => {
  await patchVolume('vol-a', { size: '512Mi' });
  const v = await phaseIs('vol-a', 'Ready');
  assert.is(v.status!.capacity, '512Mi');
  assert.is(Number((await lvsFor(cluster.nodes[1]!, 'vol-a'))[0]!.lv_size), 512 * MiB);
});

it('replicas 1 → 2: a second LV on another node, and a DRBD resource on both that drbdadm accepts', async () => {
  await patchVolume('vol-a', { replicas: 2 });
  const replicas = await waitFor(
    '2 ready replicas',
    async () => {
      const r = await replicasOf('vol-a');
      const ready = (x: VolumeReplica) =>
        x.status?.state === 'Ready' &&
        x.status.observedGeneration === x.metadata.generation &&
        findCondition(x.status.conditions, 'Ready')?.status === 'True';
      return r.length === 2 && r.every(ready) ? r : undefined;
    },
    60_000,
    200,
  );
  const nodes = replicas.map((r) => r.spec.node);
  assert.is(new Set(nodes).size, 2, 'never two replicas on one node');
  const onNode = await cluster.list<VolumeReplica>(VOLUME_REPLICAS, { fieldSelector: `spec.node=${nodes[0]}` });
  assert.ok(
    onNode.some((r) => r.spec.volume === 'vol-a') && onNode.every((r) => r.spec.node === nodes[0]),
    'kubectl get vr --field-selector spec.node=… works',
  );
  const ports = new Set(replicas.map((r) => r.spec.replication!.port));
  assert.is(ports.size, 1, 'one DRBD port for the volume');
  for (const r of replicas) {
    const node = cluster.nodes.find((n) => n.name === r.spec.node)!;
    assert.is((await lvsFor(node, 'vol-a')).length, 1, `${node.name} holds an LV`);
    assert.match(
      await node.agent.lvm('lvs', ['--noheadings', '-o', 'lv_name']),
      'vol-a_drbdmeta',
      `${node.name} holds the DRBD metadata beside it`,
    );
    const file = `${node.agent.dir}/drbd.d/stratum-vol-a.res`;
    const dump = await run('drbdadm', ['-c', file, 'dump', 'all']);
    assert.match(dump.stdout, /protocol\s+C/);
    assert.match(r.status!.devicePath!, /^\/dev\/drbd\d+$/);
  }
  // No DRBD kernel module here: the volume says so instead of claiming it is in sync.
  const v = await phaseIs('vol-a', 'Degraded', 30_000, false);
  const ready = findCondition(v.status!.conditions, 'Ready')!;
  assert.is(ready.reason, 'DrbdNotLoaded');
  assert.match(ready.message, /DRBD kernel module/);
});

it('replicas 2 → 3 is refused while a node has DRBD 8.4, naming it and what to install; 3 → 1 keeps only the primary', async () => {
  const two = await replicasOf('vol-a');
  await patchVolume('vol-a', { replicas: 3 });
  const v = await waitFor(
    'vol-a refused 3 replicas',
    async () => {
      const x = await volume('vol-a');
      return x?.status?.conditions?.find((c) => c.type === 'Ready')?.reason === 'ReplicationUnsupported' ? x : undefined;
    },
    30_000,
    200,
  );
  const c = cluster.nodes[2]!;
  const message = v.status!.conditions!.find((x) => x.type === 'Ready')!.message;
  assert.match(message, `node ${c.name} has DRBD 8.4.11, which connects 2 replicas at most (install DRBD 9 for 3)`);
  assert.is(v.status!.phase, 'Degraded');
  assert.is((await replicasOf('vol-a')).length, 2, 'no third replica was placed');
  assert.is(
    (await lvsFor(c, 'vol-a')).length,
    two.some((r) => r.spec.node === c.name) ? 1 : 0,
    `no LV made on ${c.name} for a third replica`,
  );
  const primary = two.find((r) => r.spec.role === 'primary')!;
  await patchVolume('vol-a', { replicas: 1 });
  await waitFor('one replica left', async () => (await replicasOf('vol-a')).length === 1, 60_000, 200);
  for (const r of two.filter((x) => x !== primary)) {
    const node = cluster.nodes.find((n) => n.name === r.spec.node)!;
    await waitFor(`secondary LV removed from ${node.name}`, async () => (await lvsFor(node, 'vol-a')).length === 0, 30_000, 200);
  }
  const [left] = await replicasOf('vol-a');
  assert.is(left!.metadata.name, primary.metadata.name, 'the primary stays');
  const after = await phaseIs('vol-a', 'Ready');
  assert.is(after.status!.primaryNode, primary.spec.node);
  const home = cluster.nodes.find((n) => n.name === primary.spec.node)!;
  await waitFor(
    `DRBD metadata LV gone from ${home.name}, data LV kept`,
    async () => {
      const out = await home.agent.lvm('lvs', ['--noheadings', '-o', 'lv_name']);
      return !out.includes('vol-a_drbdmeta') && out.includes('vol-a');
    },
    30_000,
    200,
  );
});

it('a volume that fits nowhere gets InsufficientCapacity naming the pool and the biggest free space, and no LV anywhere', async () => {
  await createVolume('vol-huge', { size: '100Gi', replicas: 2 });
  const v = await phaseIs('vol-huge', 'Pending', 30_000, false);
  const ready = findCondition(v.status!.conditions, 'Ready')!;
  assert.is(ready.reason, 'InsufficientCapacity');
  assert.match(ready.message, new RegExp(`pool ${lvmPool}.*the most is \\d+(Mi|Gi|Ki)? on node`));
  assert.is((await replicasOf('vol-huge')).length, 0);
  for (const n of cluster.nodes) assert.is((await lvsFor(n, 'vol-huge')).length, 0);
});

it('a replica its node turns down for want of space (volume groups filled behind Stratum) goes to a node with room once there is one: Ready, an Event says why', async () => {
  const filled: ClusterNode[] = [];
  const fill = async (n: ClusterNode) => {
    const vg = (await n.agent.poolVg(lvmPool))!;
    await n.agent.lvm('lvcreate', ['--yes', '-an', '-Zn', '-n', 'not-stratum', '-L', `${Number(vg.vg_free) - 32 * MiB}b`, vg.vg_name!]);
    filled.push(n);
  };
  const unfill = async (n: ClusterNode) => {
    await n.agent.lvm('lvremove', ['--yes', `${(await n.agent.poolVg(lvmPool))!.vg_name}/not-stratum`]);
    filled.splice(filled.indexOf(n), 1);
  };
  try {
    // Every node full, unknown to the operator until it reads the pools again: the first node tried turns the replica down.
    await Promise.all(cluster.nodes.map(fill));
    await createVolume('vol-full', { size: '128Mi' });
    const where = async () => (await replicasOf('vol-full')).filter((r) => !r.metadata.deletionTimestamp).map((r) => r.spec.node);
    await waitForVolume(
      'vol-full',
      'vol-full waiting for space, every node known full',
      async () => {
        const v = await volume('vol-full');
        const pool = await cluster.get<StoragePool>(STORAGE_POOLS, lvmPool);
        return (
          findCondition(v?.status?.conditions, 'Ready')?.reason === 'InsufficientCapacity' &&
          pool?.status?.nodes?.every((n) => parseQuantity(n.allocatable!) < 128n * BigInt(MiB))
        );
      },
      60_000,
    );
    // Settled: where the replica is (if placed at all) holds for 3 s.
    let stuck = await where();
    for (let i = 0; i < 10; i++) {
      await sleep(3_000);
      const now = await where();
      if (now.join() === stuck.join()) break;
      stuck = now;
    }
    const v = await volume('vol-full');
    assert.match(findCondition(v!.status!.conditions, 'Ready')!.message, /bytes free|allocatable/, 'the volume says why it waits');
    // Room on a node the replica is not on: it goes there.
    const roomy = cluster.nodes.find((n) => !stuck.includes(n.name))!;
    await unfill(roomy);
    const ready = await waitForVolume(
      'vol-full',
      `vol-full Ready on ${roomy.name}`,
      async () => {
        const x = await volume('vol-full');
        return x?.status?.phase === 'Ready' && (await where()).length === 1 ? x : undefined;
      },
      90_000,
    );
    assert.is(ready.status!.primaryNode, roomy.name);
    for (const n of cluster.nodes.filter((x) => x !== roomy))
      assert.is((await lvsFor(n, 'vol-full')).length, 0, `nothing left on ${n.name}`);
    if (stuck.length) {
      const events = await cluster.list<KubeObject & { reason: string; message: string }>(EVENTS, {
        fieldSelector: 'involvedObject.name=vol-full',
      });
      const moved = events.filter((e) => e.reason === 'ReplicaMoved').map((e) => e.message);
      assert.ok(
        moved.some((m) =>
          new RegExp(`^node ${stuck[0]} turned the primary replica down \\(.*bytes free.*\\); placed on node ${roomy.name} instead$`).test(
            m,
          ),
        ),
        `a ReplicaMoved Event for the move to ${roomy.name}: ${JSON.stringify(moved)}`,
      );
      const placed = events.filter((e) => e.reason === 'ReplicaPlaced').map((e) => e.message);
      assert.equal(placed, [], 'one Event per move: ReplicaMoved already says where the replica went');
    }
  } finally {
    for (const n of [...filled]) await unfill(n);
  }
  await cluster.client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, 'vol-full'));
  await waitFor('vol-full gone', async () => !(await volume('vol-full')), 60_000, 250);
});

it('eviction of a backend: disk volume with 64 MiB of random data: same SHA-256 on the new node, old disk released', async () => {
  const from = cluster.nodes[0]!;
  await cluster.createVolume('vol-move', { pool: diskPool, size: '100Mi', accessibility: { nodes: [from.name] } });
  const v = await phaseIs('vol-move', 'Ready');
  const [src] = await replicasOf('vol-move');
  const device = src!.status!.devicePath!;
  const size = 128 * MiB;
  await writeRandom(device, 64 * MiB);
  const before = await sha256Of(device, size);
  assert.is(v.status!.primaryNode, from.name);

  await patchVolume('vol-move', { evictNodes: [from.name] });
  const moved = await waitFor(
    'vol-move Ready elsewhere',
    async () => {
      const x = await volume('vol-move');
      return x?.status?.phase === 'Ready' && x.status.primaryNode !== from.name && x.status.replicas?.length === 1 ? x : undefined;
    },
    120_000,
    250,
  );
  assert.is(moved.status!.migration!.from, from.name);
  assert.is(moved.status!.migration!.to, moved.status!.primaryNode);
  assert.is(moved.status!.migration!.sha256, before, 'status shows the verified checksum');
  const [dst] = await replicasOf('vol-move');
  assert.is(await sha256Of(dst!.status!.devicePath!, size), before, 'the data on the new node has the same SHA-256');
  // The old replica is released after the volume turns Ready without it (its finalizer waits for the agent).
  await waitFor(
    'the old disk released',
    async () => !(await callAgent(from.agent.client, 'ListVolumes', {})).volumes.some((x) => x.id === 'vol-move'),
    60_000,
    250,
  );
});

it('delete → no LV and no object left behind; a deletion under way shows phase Deleting only once it lingers', async () => {
  const asked = Date.now();
  for (const name of ['vol-a', 'vol-huge', 'vol-move'])
    await cluster.client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, name));
  // deletionTimestamp has whole seconds: the status write comes no sooner than 2 s after the request.
  const phases = new Set<string | undefined>();
  while (Date.now() - asked < 1_500) {
    phases.add((await volume('vol-a'))?.status?.phase);
    await sleep(100);
  }
  assert.not.ok(phases.has('Deleting'), `phases seen in the first 1.5 s: ${[...phases].join(', ')}`);
  await waitFor(
    'volumes gone',
    async () => !(await volume('vol-a')) && !(await volume('vol-huge')) && !(await volume('vol-move')),
    60_000,
    250,
  );
  const mine = new Set(cluster.nodes.map((n) => n.name));
  assert.is(
    (await cluster.list<VolumeReplica>(VOLUME_REPLICAS)).filter((r) => mine.has(r.spec.node) && r.spec.volume.startsWith('vol-')).length,
    0,
  );
  for (const n of cluster.nodes)
    for (const name of ['vol-a', 'vol-huge']) assert.is((await lvsFor(n, name)).length, 0, `${n.name} ${name}`);
});

it('deletions from a thick LVM pool read no pool again: the space shows free in its status at once', async () => {
  const node = cluster.nodes[2]!;
  const names = ['vol-free-0', 'vol-free-1', 'vol-free-2', 'vol-free-3'];
  for (const name of names) await createVolume(name, { accessibility: { nodes: [node.name] } });
  for (const name of names) await phaseIs(name, 'Ready');
  const [op] = cluster.operators;
  const onNode = async () => {
    const pool = await cluster.get<StoragePool>(STORAGE_POOLS, lvmPool);
    return parseQuantity(pool?.status?.nodes?.find((n) => n.node === node.name)?.free ?? '0');
  };
  // Free space as vgs has it with the four volumes, once the pool's status shows the same.
  const vgFree = async () => BigInt((await node.agent.poolVg(lvmPool))!.vg_free!);
  const full = await waitFor(
    'the pool status counts the four volumes',
    async () => {
      const free = await vgFree();
      return (await onNode()) === free ? free : undefined;
    },
    60_000,
    250,
  );
  const reads = () => op!.metric('stratum_agent_calls_total', { node: node.name, method: 'EnsurePool', code: 'OK' });
  const readsBefore = await reads();
  for (const name of names) {
    await cluster.client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, name));
    await waitFor(`${name} gone`, async () => !(await volume(name)), 60_000, 100);
  }
  const freed = BigInt(names.length * 256 * MiB);
  await waitFor('the pool status shows the space free', async () => (await onNode()) >= full + freed, 10_000, 100);
  assert.is(await vgFree(), full + freed, 'vgs agrees');
  // The pool's own 30 s round may fall in the window once; a read per deletion would be four.
  const read = (await reads()) - readsBefore;
  assert.ok(read <= 1, `${read} pool reads on ${node.name} for ${names.length} deletions`);
});

it('with its agent down: growth waits as Expanding with the reason and completes when the agent is back (VolumeReady then, not at creation); deletion waits until forced', async () => {
  const node = cluster.nodes[2]!;
  await createVolume('vol-stuck', { accessibility: { nodes: [node.name] } });
  await phaseIs('vol-stuck', 'Ready');
  assert.not.ok((await eventReasons('vol-stuck')).includes('VolumeReady'), 'a new volume that became Ready: no Event');
  let down = true;
  await node.agent.stop();
  try {
    await patchVolume('vol-stuck', { size: '320Mi' });
    const expanding = await waitForVolume(
      'vol-stuck',
      'Expanding with AgentUnavailable',
      async () => {
        const v = await volume('vol-stuck');
        const ready = findCondition(v?.status?.conditions, 'Ready');
        return v?.status?.phase === 'Expanding' && /AgentUnavailable|unavailable/.test(`${ready?.reason} ${ready?.message}`)
          ? v
          : undefined;
      },
      60_000,
    );
    assert.match(findCondition(expanding.status!.conditions, 'Ready')!.message, new RegExp(node.name));
    // The failed attempt is retried once the agent answers again: nothing is taken as done.
    await node.agent.start();
    down = false;
    await waitForVolume(
      'vol-stuck',
      'grown after the agent came back',
      async () => {
        const v = await volume('vol-stuck');
        return v?.status?.phase === 'Ready' && v.status.capacity === '320Mi';
      },
      90_000,
    );
    assert.is(Number((await lvsFor(node, 'vol-stuck'))[0]!.lv_size), 320 * MiB);
    await waitFor(
      'VolumeReady Event after the recovery',
      async () => (await eventReasons('vol-stuck')).includes('VolumeReady'),
      10_000,
      250,
    );

    await node.agent.stop();
    down = true;
    await cluster.client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, 'vol-stuck'));
    await waitForVolume(
      'vol-stuck',
      'Deleting, waiting for the agent, saying how to force it',
      async () => {
        const v = await volume('vol-stuck');
        return v?.status?.phase === 'Deleting' && /force-delete/.test(findCondition(v.status.conditions, 'Ready')?.message ?? '');
      },
      60_000,
    );
    await cluster.client.request('PATCH', resourcePath(LOCAL_VOLUMES, undefined, 'vol-stuck'), {
      patchType: 'merge',
      body: { metadata: { annotations: { 'storage.stratum.dev/force-delete': 'true' } } },
    });
    await waitFor(
      'vol-stuck gone once forced',
      async () => !(await volume('vol-stuck')) && (await replicasOf('vol-stuck')).length === 0,
      60_000,
      250,
    );
  } finally {
    if (down) await node.agent.start();
  }
});

it('the operator killed at random points during create and expand converges to the same end state, no duplicate or leaked LV', async () => {
  const random = seededRandom('volumes.test.ts kill points during create and expand');
  let op = cluster.operators[0]!;
  for (let round = 0; round < 3; round++) {
    const name = `vol-kill-${round}`;
    await createVolume(name, { replicas: 2 });
    const killAfter = random.int(1500);
    process.stdout.write(`  round ${round}: kill ${killAfter} ms after create\n`);
    await sleep(killAfter);
    await op.kill();
    op = await cluster.startOperator(`operator-r${round}`, [], FAST_TAKEOVER);
    await waitForVolume(
      name,
      `${name} with 2 ready replicas`,
      async () => {
        const r = await replicasOf(name);
        return r.length === 2 && r.every((x) => x.status?.state === 'Ready');
      },
      90_000,
    );
    await patchVolume(name, { size: '384Mi' });
    const killAfterGrow = random.int(1000);
    process.stdout.write(`  round ${round}: kill ${killAfterGrow} ms after the grow\n`);
    await sleep(killAfterGrow);
    await op.kill();
    op = await cluster.startOperator(`operator-r${round}b`, [], FAST_TAKEOVER);
    await waitForVolume(name, `${name} grown`, async () => (await volume(name))?.status?.capacity === '384Mi', 90_000);
    const lvs = (await Promise.all(cluster.nodes.map((n) => lvsFor(n, name)))).flat();
    assert.is(lvs.length, 2, `exactly one LV per replica for ${name}`);
    assert.ok(lvs.every((l) => Number(l.lv_size) === 384 * MiB));
    await cluster.client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, name));
    await waitForVolume(name, `${name} deleted`, async () => !(await volume(name)), 90_000);
    for (const n of cluster.nodes) assert.is((await lvsFor(n, name)).length, 0, `no leaked LV of ${name} on ${n.name}`);
  }
});

it('the operator killed at random points during an eviction converges: data intact, one copy, old disks released', async () => {
  const random = seededRandom('volumes.test.ts kill points during an eviction');
  let op = cluster.operators.at(-1)!;
  const first = cluster.nodes[0]!;
  await cluster.createVolume('vol-move2', { pool: diskPool, size: '100Mi', accessibility: { nodes: [first.name] } });
  await phaseIs('vol-move2', 'Ready');
  const device = (await replicasOf('vol-move2'))[0]!.status!.devicePath!;
  await writeRandom(device, 32 * MiB);
  const sum = await sha256Of(device, 128 * MiB);
  const evicted: string[] = [];
  for (let round = 0; round < 2; round++) {
    const from = (await volume('vol-move2'))!.status!.primaryNode!;
    evicted.push(from);
    await patchVolume('vol-move2', { evictNodes: evicted });
    const killAfter = random.int(3000);
    process.stdout.write(`  round ${round}: kill ${killAfter} ms after the eviction request\n`);
    await sleep(killAfter);
    await op.kill();
    op = await cluster.startOperator(`operator-e${round}`, [], FAST_TAKEOVER);
    const moved = await waitFor(
      `vol-move2 moved off ${evicted.join(', ')}`,
      async () => {
        const v = await volume('vol-move2');
        return v?.status?.phase === 'Ready' && !evicted.includes(v.status.primaryNode!) && v.status.replicas?.length === 1 ? v : undefined;
      },
      120_000,
      250,
    );
    const [replica] = await replicasOf('vol-move2');
    assert.is(await sha256Of(replica!.status!.devicePath!, 128 * MiB), sum, `round ${round}: same SHA-256 on ${moved.status!.primaryNode}`);
    for (const n of cluster.nodes.filter((x) => evicted.includes(x.name))) {
      await waitFor(
        `round ${round}: ${n.name} to release its disk`,
        async () => !(await callAgent(n.agent.client, 'ListVolumes', {})).volumes.some((x) => x.id === 'vol-move2'),
        60_000,
        250,
      );
    }
  }
  await cluster.client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, 'vol-move2'));
  await waitFor('vol-move2 deleted', async () => !(await volume('vol-move2')), 60_000, 250);
});

it.run();
