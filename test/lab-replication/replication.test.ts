// Replication proven on real kernels: three VMs with Debian's kernel and its in-tree DRBD 8.4
// module, the real agents inside, the operator, csi-provisioner, kube-controller-manager and the
// control plane on the host. DRBD links run over the lab's private link (each agent's
// --drbd-address). What only a kernel can show: a PVC of a `replicas: 2` StorageClass bound after
// a real initial sync with percentages on the way, failover to the surviving replica with the
// data intact and a resync when the lost node returns, 1 → 2 replicas keeping existing data,
// online growth through LV, DRBD device and file system, protocol A vs C in the running resource,
// eviction moving a replica to the third node with the data intact, and a node lost for good
// whose replica is replaced from the survivor.
// One lab for all tests: each VM boot costs minutes under TCG; the tests build on each other's
// volumes (the PVC's volume is the one failed over and grown).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { LocalVolume, StoragePool, VolumeReplica } from '../../src/api/index.ts';
import { parseQuantity } from '../../src/api/quantity.ts';
import { LVM_VOLUME_TAG_PREFIX } from '../../src/common/constants.ts';
import { callCsi, connectCsi, type CsiClients } from '../../src/csi/client.ts';
import { resourcePath, type KubeObject } from '../../src/operator/runtime/kube/client.ts';
import { LOCAL_VOLUMES, STORAGE_POOLS, VOLUME_REPLICAS } from '../../src/operator/resources.ts';
import { CSI_DRIVER_NAME } from '../../src/common/constants.ts';
import { CSI_DRIVERS, CSI_NODES, PVCS, PVS, type Pv, type Pvc, type Sidecars } from '../integration/csi-support.ts';
import { controllerEndpoint, ensureCsiDriver, registerCsiNode, startSidecars } from '../integration/csi-support.ts';
import { reportFailure } from '../integration/support.ts';
import { waitFor } from '../operator/support.ts';
import { startSharedControllers } from '../rig/connect.ts';
import type { Controllers } from '../rig/controllers.ts';
import { Lab } from '../lab/lab.ts';
import { LabCluster } from '../lab/lab-cluster.ts';
import { mountCapability, stageAndPublish, stagingOf, targetOf, unpublishAndUnstage } from '../lab/lab-csi.ts';
import { GUEST_CSI_SOCKET, type LabNode } from '../lab/lab-node.ts';

const MiB = 1024 ** 2;
const it = suite('lab: replication with DRBD 8.4');
let lab: Lab;
let cluster: LabCluster;
let poolName: string;
let storageClass: string;
let controllers: Controllers | undefined;
let sidecars: Sidecars | undefined;
let madeDriver = false;
/** The PVC's volume (pvc-<claim uid>): made in the first test, failed over and grown in later ones. */
let r1: string;
const CLAIM = 'lab-claim';
/** SHA-256 of files written in one test and checked in a later one, by volume. */
const sums = new Map<string, string>();
const csi = new Map<string, CsiClients>();
/** The lab link address of each VM, which its agent gives DRBD. */
const linkAddress = (i: number) => `192.168.77.${11 + i}`;

type Volume = LocalVolume & { metadata: { name: string } };
type Replica = VolumeReplica & { metadata: { name: string } };
interface Lv {
  lv_name: string;
  lv_size: string;
  lv_tags: string;
}

const volume = (name: string) => cluster.get<Volume>(LOCAL_VOLUMES, name);
const replicasOf = async (name: string) => (await cluster.list<Replica>(VOLUME_REPLICAS)).filter((r) => r.spec.volume === name);
const vmOf = (node: string): LabNode => lab.nodes.find((n) => n.name === node)!;
const readyOf = (v: Volume | undefined) => v?.status?.conditions?.find((c) => c.type === 'Ready');

async function explain(name: string): Promise<string> {
  const v = await volume(name);
  const r = await replicasOf(name);
  return JSON.stringify(
    {
      volume: v?.status,
      replicas: r.map((x) => ({ node: x.spec.node, role: x.spec.role, replication: x.spec.replication, status: x.status })),
    },
    null,
    1,
  );
}

async function until<T>(name: string, what: string, check: () => Promise<T>, timeoutMs: number): Promise<NonNullable<T>> {
  try {
    return await waitFor(what, check, timeoutMs, 500);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await explain(name)}`);
  }
}

const readyVolume = (name: string, timeoutMs = 600_000) =>
  until(
    name,
    `${name} Ready`,
    async () => {
      const v = await volume(name);
      return v?.status?.phase === 'Ready' && v.status.observedGeneration === v.metadata.generation ? v : undefined;
    },
    timeoutMs,
  );

async function createVolume(name: string, spec: Partial<LocalVolume['spec']>): Promise<void> {
  await cluster.createVolume(name, { pool: poolName, size: '256Mi', fsType: 'ext4', ...spec });
}

const patchVolume = (name: string, spec: Record<string, unknown>) =>
  cluster.client.request('PATCH', resourcePath(LOCAL_VOLUMES, undefined, name), { patchType: 'merge', body: { spec } });

async function lvsOn(vm: LabNode, name: string): Promise<Lv[]> {
  const out = await vm.sh('lvs --reportformat json --units b --nosuffix -o lv_name,lv_size,lv_tags');
  return (JSON.parse(out) as { report: { lv: Lv[] }[] }).report[0]!.lv.filter((l) =>
    l.lv_tags.split(',').includes(`${LVM_VOLUME_TAG_PREFIX}${name}`),
  );
}

/** The line of /proc/drbd for the volume's device on a VM. */
async function procLine(vm: LabNode, minor: number): Promise<string> {
  return (await vm.sh('cat /proc/drbd')).split('\n').find((l) => l.trim().startsWith(`${minor}:`)) ?? '';
}

const stage = (vm: LabNode, vol: string) => stageAndPublish(vm, csi.get(vm.name)!.node, vol, 'ext4');
const unstage = (vm: LabNode, vol: string) => unpublishAndUnstage(csi.get(vm.name)!.node, vol);

const mountSource = async (vm: LabNode, vol: string) => (await vm.sh(`findmnt -n -o SOURCE --target ${targetOf(vol)}`)).trim();
const checksum = async (vm: LabNode, file: string) => (await vm.sh(`sha256sum < ${file}`, 120_000)).trim();

it.before(
  reportFailure(async () => {
    lab = await Lab.start({ nodes: 3, logName: 'lab-replication', agentArgs: (i) => ['--drbd-address', linkAddress(i)] });
    cluster = await LabCluster.start(lab);
    const csiHost = { dir: lab.dir, kubeconfig: cluster.kubeconfig, namespace: cluster.namespace };
    await cluster.startOperator({ extraArgs: ['--csi-endpoint', controllerEndpoint(csiHost)] });
    madeDriver = await ensureCsiDriver(cluster.client);
    for (const vm of lab.nodes) {
      const clients = connectCsi(`unix://${await vm.forwardSocket(GUEST_CSI_SOCKET, path.join(lab.dir, `csi-${vm.name}.sock`))}`);
      csi.set(vm.name, clients);
      // As node-driver-registrar would: csi-provisioner takes the nodes' topology from CSINodes.
      await registerCsiNode(cluster.client, vm.name, clients.node);
    }
    poolName = `${lab.nodes[0]!.name}-repl`;
    storageClass = `${poolName}-2`;
    await cluster.createPool(poolName, { mediaClass: 'hdd', diskSelector: { maxSize: '3Gi' } });
    // Immediate: no pod and no scheduler needed; the provisioner offers every node's topology.
    await cluster.createStorageClass(
      storageClass,
      { pool: poolName, replicas: '2', 'csi.storage.k8s.io/fstype': 'ext4' },
      { volumeBindingMode: 'Immediate', reclaimPolicy: 'Delete' },
    );
    await waitFor(
      `pool ${poolName} on 3 nodes`,
      async () => (await cluster.get<StoragePool>(STORAGE_POOLS, poolName))?.status?.nodeCount === 3,
      300_000,
      1_000,
    );
    // The PV controller binds claims to the volumes csi-provisioner makes.
    controllers = await startSharedControllers({ controllerManager: true, readyTimeoutMs: 180_000 });
    sidecars = startSidecars(csiHost, { timeout: '120s' });
  }),
);

it.after(async () => {
  const attempt = (what: string, f: () => Promise<unknown>) =>
    f().catch((err: unknown) => process.stderr.write(`${what}: ${String(err)}\n`));
  // The claim goes through the provisioner (DeleteVolume) while everything still runs; what is
  // left after a bounded wait is released by hand, so the shared control plane is clean.
  await attempt('claim deletion', async () => {
    await cluster.delete(PVCS, CLAIM, cluster.namespace);
    if (r1) await waitFor(`PV ${r1} deleted`, async () => !(await cluster.get(PVS, r1)), 180_000, 1_000);
  });
  await sidecars?.stop();
  await controllers?.stop();
  // The sidecars log into the lab's temporary folder, which teardown removes.
  for (const log of ['csi-provisioner.log', 'csi-resizer.log'])
    if (sidecars) await attempt(log, () => copyFile(path.join(lab.dir, log), path.join(lab.logDir, log)));
  if (r1) {
    for (const rt of [PVS, LOCAL_VOLUMES]) {
      await attempt(`${rt.plural} ${r1}`, async () => {
        if (!(await cluster.get(rt, r1))) return;
        await cluster.client.request('PATCH', resourcePath(rt, undefined, r1), {
          patchType: 'merge',
          body: { metadata: { finalizers: null } },
        });
        await cluster.delete(rt, r1);
      });
    }
  }
  for (const vm of lab?.nodes ?? []) await attempt('CSINode', () => cluster.delete(CSI_NODES, vm.name));
  if (madeDriver) await attempt('CSIDriver', () => cluster.delete(CSI_DRIVERS, CSI_DRIVER_NAME));
  for (const c of csi.values()) c.close();
  await cluster?.teardown().catch((err: unknown) => process.stderr.write(`cluster teardown: ${String(err)}\n`));
  await lab?.teardown();
});

it('PVC of a replicas: 2 StorageClass → Bound; a real DRBD sync, percentages on the way, Ready only once both disks are UpToDate', async () => {
  const claim = await cluster.create<KubeObject & { spec: unknown }>(PVCS, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: CLAIM, namespace: cluster.namespace },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: storageClass, resources: { requests: { storage: '128Mi' } } },
  });
  // csi-provisioner names the volume pvc-<claim uid>; the operator keeps that name.
  r1 = `pvc-${claim.metadata.uid!}`;
  const percents = new Set<number>();
  const reasons = new Set<string>();
  let bound = false;
  await until(
    r1,
    `claim ${CLAIM} Bound and ${r1} Ready`,
    async () => {
      const [v, rs, pvc] = await Promise.all([volume(r1), replicasOf(r1), cluster.get<Pvc>(PVCS, CLAIM, cluster.namespace)]);
      for (const r of rs) if (r.spec.role === 'secondary' && r.status?.syncPercent !== undefined) percents.add(r.status.syncPercent);
      const reason = readyOf(v)?.reason;
      if (reason) reasons.add(reason);
      bound ||= pvc?.status?.phase === 'Bound';
      return bound && v?.status?.phase === 'Ready' ? v : undefined;
    },
    900_000,
  );
  const seen = [...percents].sort((x, y) => x - y);
  assert.ok(
    seen.some((p) => p > 0 && p < 100),
    `the secondary reported progress between 0 and 100 %: ${seen.join(', ')}`,
  );
  assert.ok(reasons.has('Syncing'), `the volume said Syncing before Ready: ${[...reasons].join(', ')}`);
  const pvc = (await cluster.get<Pvc>(PVCS, CLAIM, cluster.namespace))!;
  assert.is(pvc.spec.volumeName, r1);
  const rs = await replicasOf(r1);
  assert.is(rs.length, 2);
  const pv = (await cluster.get<Pv>(PVS, r1))!;
  assert.is(pv.spec.csi.volumeHandle, r1);
  const allowed = pv.spec.nodeAffinity!.required.nodeSelectorTerms.flatMap((t) => t.matchExpressions.flatMap((e) => e.values));
  assert.equal(allowed.sort(), rs.map((r) => r.spec.node).sort(), 'the PV admits every node that holds a replica');
  for (const r of rs) {
    assert.equal(
      [r.status?.state, r.status?.diskState, r.status?.connection, r.status?.syncPercent],
      ['Ready', 'UpToDate', 'Connected', 100],
      r.spec.node,
    );
    const line = await procLine(vmOf(r.spec.node), r.spec.replication!.minor);
    assert.match(line, 'cs:Connected');
    assert.match(line, 'ds:UpToDate/UpToDate');
  }
  // Metadata beside the data: the data LV is exactly the volume's size.
  for (const r of rs) {
    const [lv] = await lvsOn(vmOf(r.spec.node), r1);
    assert.is(lv?.lv_size, String(128 * MiB));
    assert.match(await vmOf(r.spec.node).sh('lvs --noheadings -o lv_name'), `${r1}_drbdmeta`);
  }
});

it('failover: data written through /dev/drbdN on A; A killed → Degraded naming A; staged on B: same SHA-256; A back → resync → Ready', async () => {
  const rs = await replicasOf(r1);
  const a = vmOf(rs.find((r) => r.spec.role === 'primary')!.spec.node);
  const b = vmOf(rs.find((r) => r.spec.role === 'secondary')!.spec.node);
  const minor = rs[0]!.spec.replication!.minor;
  await stage(a, r1);
  assert.is(await mountSource(a, r1), `/dev/drbd${minor}`, 'the DRBD device is what is mounted');
  assert.match(await procLine(a, minor), 'ro:Primary/Secondary', 'staging made A Primary');
  await a.sh(`head -c ${16 * MiB} /dev/urandom > ${targetOf(r1)}/data && sync`, 120_000);
  const sum = await checksum(a, `${targetOf(r1)}/data`);
  // Under TCG at high load DRBD's half-second ping timeout trips and the peers reconnect and
  // resync now and then: fail over only from a volume that is in sync, as the product promises.
  await readyVolume(r1, 600_000);
  await until(
    r1,
    'the replica on A reports DRBD Primary',
    async () => (await replicasOf(r1)).find((r) => r.spec.node === a.name)?.status?.role === 'Primary',
    60_000,
  );

  await a.kill();
  const degraded = await until(
    r1,
    `${r1} Degraded naming A`,
    async () => {
      const v = await volume(r1);
      return v?.status?.phase === 'Degraded' && readyOf(v)?.message.includes(a.name) ? v : undefined;
    },
    180_000,
  );
  assert.match(readyOf(degraded)!.message, `replica on ${a.name}`);
  const onB = await until(
    r1,
    'B sees A unreachable',
    async () => {
      const r = (await replicasOf(r1)).find((x) => x.spec.node === b.name);
      return r?.status?.conditions?.find((c) => c.type === 'Replicating' && c.reason === 'PeerUnreachable') ? r : undefined;
    },
    120_000,
  );
  assert.match(onB.status!.conditions!.find((c) => c.type === 'Replicating')!.message, `cannot reach node ${a.name}`);

  await stage(b, r1);
  assert.is(await mountSource(b, r1), `/dev/drbd${minor}`);
  assert.is(await checksum(b, `${targetOf(r1)}/data`), sum, 'B serves the data A wrote');
  await b.sh(`head -c ${8 * MiB} /dev/urandom > ${targetOf(r1)}/more && sync`, 120_000);
  const more = await checksum(b, `${targetOf(r1)}/more`);
  await unstage(b, r1);

  await a.boot();
  await a.startAgent();
  // The CSI socket forward died with the VM: a new one, as kubelet would reconnect.
  csi.get(a.name)!.close();
  csi.set(a.name, connectCsi(`unix://${await a.forwardSocket(GUEST_CSI_SOCKET, path.join(lab.dir, `csi-${a.name}-2.sock`))}`));
  await readyVolume(r1, 600_000);
  for (const r of await replicasOf(r1)) assert.is(r.status?.diskState, 'UpToDate', r.spec.node);
  assert.match(await procLine(a, minor), 'ds:UpToDate/UpToDate');
  await stage(a, r1);
  assert.is(await checksum(a, `${targetOf(r1)}/data`), sum, 'A still has what it wrote');
  assert.is(await checksum(a, `${targetOf(r1)}/more`), more, 'A resynced what B wrote while A was down');
  await unstage(a, r1);
});

it('1 → 2 replicas on a volume holding data: the existing replica is the sync source, both end with the data', async () => {
  const a = lab.nodes[0]!;
  await createVolume('lab-r3', { size: '128Mi', replicas: 1, accessibility: { nodes: [a.name] } });
  await readyVolume('lab-r3');
  await stage(a, 'lab-r3');
  const [lv] = await lvsOn(a, 'lab-r3');
  // One replica: the LV itself is mounted (device-mapper names it /dev/mapper/<vg>-lab--r3).
  assert.not.match(await mountSource(a, 'lab-r3'), '/dev/drbd', 'one replica: no DRBD device yet');
  await a.sh(`head -c ${24 * MiB} /dev/urandom > ${targetOf('lab-r3')}/data && sync`, 120_000);
  const sum = await checksum(a, `${targetOf('lab-r3')}/data`);
  sums.set('lab-r3', sum);
  await unstage(a, 'lab-r3');

  await patchVolume('lab-r3', { replicas: 2 });
  await readyVolume('lab-r3', 600_000);
  const rs = await replicasOf('lab-r3');
  assert.is(rs.length, 2);
  assert.is(rs.find((r) => r.spec.role === 'primary')!.spec.node, a.name);
  const [after] = await lvsOn(a, 'lab-r3');
  assert.is(after?.lv_size, lv?.lv_size, 'the data LV kept its size: no metadata was put in it');
  const other = vmOf(rs.find((r) => r.spec.node !== a.name)!.spec.node);
  await stage(other, 'lab-r3');
  assert.is(await checksum(other, `${targetOf('lab-r3')}/data`), sum, 'the new replica holds the data');
  await unstage(other, 'lab-r3');
  await stage(a, 'lab-r3');
  assert.is(await checksum(a, `${targetOf('lab-r3')}/data`), sum, 'the old replica still holds it');
  await unstage(a, 'lab-r3');
});

it('online growth of a replicated, mounted volume: both LVs, the DRBD device and the file system grow; the data stays', async () => {
  const rs = await replicasOf(r1);
  const a = vmOf(rs.find((r) => r.spec.role === 'primary')!.spec.node);
  const minor = rs[0]!.spec.replication!.minor;
  await stage(a, r1);
  const sum = await checksum(a, `${targetOf(r1)}/data`);
  const fsBefore = Number((await a.sh(`df -B1 --output=size ${targetOf(r1)} | tail -1`)).trim());
  await patchVolume(r1, { size: '256Mi' });
  await until(
    r1,
    `${r1} capacity 256Mi and Ready`,
    async () => {
      const v = await volume(r1);
      return v?.status?.phase === 'Ready' && v.status.capacity && parseQuantity(v.status.capacity) >= 256n * BigInt(MiB) ? v : undefined;
    },
    600_000,
  );
  for (const r of await replicasOf(r1)) {
    const vm = vmOf(r.spec.node);
    assert.is((await lvsOn(vm, r1))[0]?.lv_size, String(256 * MiB), `${vm.name}: LV grown`);
    assert.is(Number((await vm.sh(`cat /sys/block/drbd${minor}/size`)).trim()) * 512, 256 * MiB, `${vm.name}: DRBD device grown`);
  }
  await callCsi(
    csi.get(a.name)!.node,
    'NodeExpandVolume',
    {
      volumeId: r1,
      volumePath: targetOf(r1),
      stagingTargetPath: stagingOf(r1),
      capacityRange: { requiredBytes: String(256 * MiB), limitBytes: '0' },
      volumeCapability: mountCapability('ext4'),
    },
    120_000,
  );
  const fsAfter = Number((await a.sh(`df -B1 --output=size ${targetOf(r1)} | tail -1`)).trim());
  assert.ok(fsAfter > fsBefore + 100 * MiB, `the file system grew while mounted: ${fsBefore} → ${fsAfter}`);
  assert.is(await checksum(a, `${targetOf(r1)}/data`), sum);
  await unstage(a, r1);
});

it('consistency async vs sync: protocol A vs C in the running DRBD resource', async () => {
  const a = lab.nodes[0]!;
  await createVolume('lab-r5', { size: '64Mi', replicas: 2, consistency: 'async', accessibility: { nodes: [a.name] } });
  await readyVolume('lab-r5');
  for (const [name, protocol] of [
    ['lab-r5', 'A'],
    [r1, 'C'],
  ] as const) {
    for (const r of await replicasOf(name)) {
      const vm = vmOf(r.spec.node);
      // The kernel's own view of the connection: /proc/drbd names the protocol after the disk states.
      const line = await procLine(vm, r.spec.replication!.minor);
      assert.match(line, new RegExp(`ds:UpToDate/UpToDate ${protocol} `), `${name} on ${vm.name}: ${line}`);
      // drbdsetup shows only what differs from DRBD's defaults: protocol A appears, the default C does not.
      const shown = await vm.sh(`/lib/drbd/drbdsetup-84 show stratum-${name}`);
      if (protocol === 'A') assert.match(shown, /protocol\s+A;/, `${name} on ${vm.name}`);
      else assert.not.match(shown, /protocol\s+A;/, `${name} on ${vm.name}`);
    }
  }
});

it('eviction of a replicated volume: the replica on A goes, a new one on C resyncs from B; the data stays, nothing is left on A', async () => {
  const before = await replicasOf('lab-r3');
  const a = vmOf(before.find((r) => r.spec.role === 'primary')!.spec.node);
  const b = vmOf(before.find((r) => r.spec.node !== a.name)!.spec.node);
  const c = lab.nodes.find((n) => n !== a && n !== b)!;
  const minor = before[0]!.spec.replication!.minor;
  await patchVolume('lab-r3', { evictNodes: [a.name] });
  const after = await until(
    'lab-r3',
    `lab-r3 Ready on ${b.name} and ${c.name}`,
    async () => {
      const [v, rs] = await Promise.all([volume('lab-r3'), replicasOf('lab-r3')]);
      const nodes = rs.map((r) => r.spec.node).sort();
      const settled =
        v?.status?.phase === 'Ready' &&
        v.status.observedGeneration === v.metadata.generation &&
        nodes.join() === [b.name, c.name].sort().join() &&
        rs.every((r) => r.status?.diskState === 'UpToDate');
      return settled ? rs : undefined;
    },
    600_000,
  );
  assert.is(after.find((r) => r.spec.role === 'primary')?.spec.node, b.name, 'the replica that stayed holds the primary role');
  assert.is(await procLine(a, minor), '', 'no DRBD device of the volume on A');
  assert.not.match(await a.sh('lvs --noheadings -o lv_name,lv_tags'), 'lab-r3', 'neither data nor metadata LV left on A');
  for (const r of after) {
    const line = await procLine(vmOf(r.spec.node), minor);
    assert.match(line, 'cs:Connected', r.spec.node);
    assert.match(line, 'ds:UpToDate/UpToDate', r.spec.node);
  }
  for (const vm of [c, b]) {
    await stage(vm, 'lab-r3');
    assert.is(await checksum(vm, `${targetOf('lab-r3')}/data`), sums.get('lab-r3'), `${vm.name} holds the data A had`);
    await unstage(vm, 'lab-r3');
  }
});

it('a node lost past the grace period: its replica is replaced on the third node from the survivor, the data stays; back, the stale copy is removed', async () => {
  const before = (await replicasOf('lab-r3')).filter((r) => !r.metadata.deletionTimestamp);
  const survivor = vmOf(before.find((r) => r.spec.role === 'primary')!.spec.node);
  const lost = vmOf(before.find((r) => r.spec.node !== survivor.name)!.spec.node);
  const third = lab.nodes.find((n) => n !== survivor && n !== lost)!;
  // The eviction before left the third node in spec.evictNodes: the replacement may go there again.
  await patchVolume('lab-r3', { evictNodes: null });
  // The same operator with a short grace period: a node whose agent is silent for 20 s is lost.
  await cluster.operator?.stop();
  const csiHost = { dir: lab.dir, kubeconfig: cluster.kubeconfig, namespace: cluster.namespace };
  await cluster.startOperator({
    extraArgs: ['--csi-endpoint', controllerEndpoint(csiHost), '--node-lost-grace-ms', '20000'],
  });
  // The CSI sidecars exit when the operator's socket goes away; in a pod the kubelet restarts them.
  await sidecars?.stop();
  sidecars = startSidecars(csiHost, { timeout: '120s' });
  await lost.kill();
  const after = await until(
    'lab-r3',
    `lab-r3 Ready on ${survivor.name} and ${third.name}`,
    async () => {
      const [v, all] = await Promise.all([volume('lab-r3'), replicasOf('lab-r3')]);
      const rs = all.filter((r) => !r.metadata.deletionTimestamp);
      const nodes = rs.map((r) => r.spec.node).sort();
      const settled =
        v?.status?.phase === 'Ready' &&
        nodes.join() === [survivor.name, third.name].sort().join() &&
        rs.every((r) => r.status?.diskState === 'UpToDate');
      return settled ? rs : undefined;
    },
    600_000,
  );
  // Lost, then at once on its way out: its Event stays where a look at its state may come too late.
  const lostReplica = before.find((r) => r.spec.node === lost.name)!.metadata.name!;
  const events = await cluster.clusterEventsAbout(lostReplica);
  assert.ok(
    events.some((e) => e.reason === 'NodeLost'),
    `a NodeLost Event on ${lostReplica}: ${events.map((e) => e.reason).join(', ')}`,
  );
  assert.is(after.find((r) => r.spec.role === 'primary')?.spec.node, survivor.name, 'the survivor stays primary');
  await stage(third, 'lab-r3');
  assert.is(await checksum(third, `${targetOf('lab-r3')}/data`), sums.get('lab-r3'), `${third.name} holds the data`);
  await unstage(third, 'lab-r3');

  // The lost node returns: its stale replica, already on its way out, is removed with its LVs.
  await lost.boot();
  await lost.startAgent();
  await until(
    'lab-r3',
    `no replica of lab-r3 left on ${lost.name}`,
    async () => !(await replicasOf('lab-r3')).some((r) => r.spec.node === lost.name),
    300_000,
  );
  assert.not.match(await lost.sh('lvs --noheadings -o lv_name,lv_tags'), 'lab-r3', 'neither data nor metadata LV left on the lost node');
});

it('deleting the claim of a replicated volume: PV, LocalVolume and every replica go, no LV of it is left on any node', async () => {
  const holders = (await replicasOf(r1)).map((r) => r.spec.node);
  assert.ok(holders.length >= 2, `${r1} has its replicas: ${holders.join(', ')}`);
  await cluster.delete(PVCS, CLAIM, cluster.namespace);
  await waitFor(`PV ${r1} deleted`, async () => !(await cluster.get(PVS, r1)), 180_000, 1_000);
  await waitFor(`${r1} and its replicas gone`, async () => !(await volume(r1)) && !(await replicasOf(r1)).length, 60_000, 1_000);
  for (const vm of lab.nodes)
    assert.not.match(await vm.sh('lvs --noheadings -o lv_name,lv_tags'), r1, `neither data nor metadata LV of ${r1} left on ${vm.name}`);
  r1 = '';
});

it.run();
