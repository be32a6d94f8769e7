// Snapshots, restores and clones on a thin pool of a VM (thin pools need device-mapper, which
// only the lab's kernel has): csi-sanity's controller specs with the snapshot and clone specs
// against the operator's controller socket and the VM's node socket, then the data path through
// the CSI calls kubelet and the sidecars make — a volume with data, a snapshot, the data changed,
// a restore holding the old data and a clone holding the new (SHA-256), and deletion in either
// order leaving no LV behind.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { LocalVolume, LocalVolumeSnapshot, StoragePool } from '../../src/api/index.ts';
import { run } from '../../src/common/exec.ts';
import { callCsi, connectCsi, type CsiClients } from '../../src/csi/client.ts';
import { LOCAL_VOLUMES, LOCAL_VOLUME_SNAPSHOTS, STORAGE_POOLS } from '../../src/operator/resources.ts';
import { CSI_DRIVER_NAME, TOPOLOGY_KEY } from '../../src/common/constants.ts';
import { NODES } from '../../src/operator/resources.ts';
import { resourcePath, type ResourceType } from '../../src/operator/runtime/kube/client.ts';
import { rigBinary, snapshotCrdsDir } from '../rig/binaries.ts';
import { connectToSharedControlPlane, startSharedControllers } from '../rig/connect.ts';
import type { Controllers } from '../rig/controllers.ts';
import { ManagedProcess } from '../rig/managed-process.ts';
import { installCrds } from '../rig/manifests.ts';
import { CSI_NODES, PVCS, PVS, ensureCsiDriver, type Pvc } from '../integration/csi-support.ts';
import { reportFailure } from '../integration/support.ts';
import { waitFor } from '../operator/support.ts';
import { Lab } from '../lab/lab.ts';
import { LabCluster } from '../lab/lab-cluster.ts';
import { mountCapability, stageAndPublish, targetOf, unpublishAndUnstage } from '../lab/lab-csi.ts';
import { GUEST_CSI_SOCKET, type LabNode } from '../lab/lab-node.ts';

const MiB = 1024 ** 2;
const it = suite('lab: snapshots, restores and clones on a thin pool');
let lab: Lab;
let cluster: LabCluster;
let node: LabNode;
let csi: CsiClients;
let controller: CsiClients;
let controllerSocket: string;
let thinPool: string;

interface Lv {
  lv_name: string;
  vg_name: string;
  lv_layout: string;
  lv_tags: string;
}

async function lvs(): Promise<Lv[]> {
  const out = await node.sh('lvs --reportformat json -o lv_name,vg_name,lv_layout,lv_tags');
  return (JSON.parse(out) as { report: { lv: Lv[] }[] }).report[0]!.lv.filter((l) => l.vg_name.endsWith(thinPool));
}
/** Every LV of the thin pool's VG but the thin pool itself. */
const leftLvs = async () => (await lvs()).filter((l) => !l.lv_layout.includes('pool')).map((l) => l.lv_name);

it.before(
  reportFailure(async () => {
    lab = await Lab.start({ nodes: 1, logName: 'lab-snapshots' });
    node = lab.nodes[0]!;
    cluster = await LabCluster.start(lab);
    controllerSocket = path.join(lab.dir, 'controller.sock');
    // The lab's long lease matters here: csi-sanity and a VM under software emulation load both
    // cores for minutes, and an operator that loses its lease exits (and takes the socket with it).
    await cluster.startOperator({ extraArgs: ['--csi-endpoint', `unix://${controllerSocket}`] });
    csi = connectCsi(`unix://${await node.forwardSocket(GUEST_CSI_SOCKET, path.join(lab.dir, 'csi.sock'))}`);
    controller = connectCsi(`unix://${controllerSocket}`);
    thinPool = `${node.name}-thin`;
    // The SCSI SSD (2 GiB): the thin pool takes 90 % of it; 400 % overcommit leaves room for
    // csi-sanity's volumes, snapshots and restores together.
    await cluster.createPool(thinPool, { mediaClass: 'ssd', thin: true, thinOvercommitPercent: 400 });
    // Under heavy load the thin pool's lvcreate can outlast EnsurePool's deadline; the registry
    // then marks the agent unreachable and nothing calls it again until an object changes. A
    // touch of the pool every 30 s is that change (a test workaround, not a fix).
    let touched = Date.now();
    await waitFor(
      `pool ${thinPool} Ready`,
      async () => {
        const p = await cluster.get<StoragePool>(STORAGE_POOLS, thinPool);
        if (p?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True') return true;
        if (Date.now() - touched > 30_000) {
          touched = Date.now();
          await cluster.client.request('PATCH', resourcePath(STORAGE_POOLS, undefined, thinPool), {
            patchType: 'merge',
            body: { metadata: { annotations: { 'lab.stratum.dev/touched': String(touched) } } },
          });
        }
        return undefined;
      },
      300_000,
      1_000,
    );
  }),
);

it.after(async () => {
  await stopPvcPath();
  csi?.close();
  controller?.close();
  await cluster?.teardown().catch((err: unknown) => process.stderr.write(`cluster teardown: ${String(err)}\n`));
  await lab?.teardown();
});

interface SpecReport {
  ContainerHierarchyTexts: string[] | null;
  LeafNodeText: string;
  State: string;
  Failure?: { Message: string };
}

/** The specs the snapshot and clone capabilities enable (csi-sanity skips them without). */
const SNAPSHOT_AND_CLONE_SPECS =
  /^(CreateSnapshot|DeleteSnapshot|ListSnapshots) |from an existing source (snapshot|volume)|source (snapshot|volume) is not found/;

it('csi-sanity: Identity and Controller specs with snapshots and clones, on a thin pool', async () => {
  const dir = path.join(lab.logDir, 'sanity');
  await mkdir(dir, { recursive: true });
  const params = path.join(dir, 'parameters.yaml');
  await writeFile(params, `pool: ${thinPool}\n`);
  const report = path.join(dir, 'report.json');
  const res = await run(
    rigBinary('csi-sanity'),
    [
      `--csi.endpoint=unix://${path.join(lab.dir, 'csi.sock')}`,
      `--csi.controllerendpoint=unix://${controllerSocket}`,
      `--csi.mountdir=${path.join(dir, 'mount')}`,
      `--csi.stagingdir=${path.join(dir, 'staging')}`,
      `--csi.testvolumesize=${64 * MiB}`,
      `--csi.testvolumeexpandsize=${128 * MiB}`,
      `--csi.testvolumeparameters=${params}`,
      `--ginkgo.json-report=${report}`,
      '--ginkgo.skip=Node Service',
      '--ginkgo.timeout=12m',
      '--ginkgo.no-color',
    ],
    { timeoutMs: 13 * 60_000, okCodes: [0, 1] },
  );
  await writeFile(path.join(dir, 'output.txt'), res.stdout);
  const specs = (JSON.parse(await readFile(report, 'utf8')) as { SpecReports: SpecReport[] | null }[])
    .flatMap((x) => x.SpecReports ?? [])
    .filter((x) => x.LeafNodeText);
  const name = (x: SpecReport) => [...(x.ContainerHierarchyTexts ?? []), x.LeafNodeText].join(' › ');
  const ran = specs.filter((x) => x.State !== 'skipped' && x.State !== 'pending');
  const failed = ran.filter((x) => x.State !== 'passed');
  const passed = ran.filter((x) => x.State === 'passed');
  process.stdout.write(`\n  csi-sanity (lab, thin pool): ${passed.length} passed, ${failed.length} failed\n`);
  for (const x of failed)
    process.stdout.write(`    FAILED: ${name(x)}\n      ${(x.Failure?.Message ?? x.State).split('\n').slice(0, 8).join('\n      ')}\n`);
  assert.is(failed.length, 0, `${failed.length} csi-sanity specs failed (output in ${dir}/output.txt)`);
  assert.is(res.code, 0, 'csi-sanity exit code');
  const enabled = passed.filter((x) => SNAPSHOT_AND_CLONE_SPECS.test(name(x)));
  assert.is(enabled.length, 19, `the 15 snapshot and 4 restore/clone specs passed: ${enabled.map(name).join('; ')}`);
  assert.equal(await leftLvs(), [], 'csi-sanity cleaned up: no LV left in the thin pool');
  await noSnapshotObjectLeft();
});

const mountCap = mountCapability('ext4');
const checksum = async (file: string) => (await node.sh(`sha256sum < ${file}`)).trim();
const publish = (vol: string) => stageAndPublish(node, csi.node, vol, 'ext4');
const unpublish = (vol: string) => unpublishAndUnstage(csi.node, vol);

/**
 * Every LocalVolumeSnapshot gone. Its finalizer goes only after the agent's DeleteSnapshot answered,
 * a moment after the LV is gone: a look right after the LVs' may still find it on its way out.
 */
const noSnapshotObjectLeft = () =>
  waitFor('no LocalVolumeSnapshot left', async () => (await cluster.list(LOCAL_VOLUME_SNAPSHOTS)).length === 0, 60_000, 500).catch(
    async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify((await cluster.list(LOCAL_VOLUME_SNAPSHOTS)).map((x) => x.metadata))}`);
    },
  );

/** CreateSnapshot, called again (it is idempotent by name) until the snapshot is ready to use. */
function readySnapshot(name: string, sourceVolumeId: string, what: string) {
  return waitFor(
    what,
    async () => {
      const r = await callCsi(controller.controller, 'CreateSnapshot', { name, sourceVolumeId }, 60_000);
      return r.snapshot?.readyToUse ? r.snapshot : undefined;
    },
    120_000,
    1_000,
  );
}

/** CreateVolume as csi-provisioner calls it (retried while ABORTED, as it does). */
async function createVolume(name: string, source?: { snapshot: { snapshotId: string } } | { volume: { volumeId: string } }) {
  return waitFor(
    `CreateVolume ${name}`,
    () =>
      callCsi(
        controller.controller,
        'CreateVolume',
        {
          name,
          capacityRange: { requiredBytes: String(256 * MiB) },
          volumeCapabilities: [mountCap],
          parameters: { pool: thinPool },
          ...(source ? { volumeContentSource: source } : {}),
        },
        60_000,
      ).then(
        (r) => r.volume!,
        (e: { code: number }) => {
          if (e.code === 10) return undefined;
          throw e;
        },
      ),
    240_000,
    1_000,
  );
}

async function deleteVolume(id: string): Promise<void> {
  await waitFor(
    `DeleteVolume ${id}`,
    () =>
      callCsi(controller.controller, 'DeleteVolume', { volumeId: id }, 60_000).then(
        () => true,
        (e: { code: number }) => (e.code === 10 ? undefined : Promise.reject(e)),
      ),
    180_000,
    1_000,
  );
}

it('restore holds the data of the snapshot, clone the data of now; deletion in either order leaves no LV', async () => {
  const src = await createVolume('pvc-lab-src');
  assert.equal(
    src.accessibleTopology.map((t) => t.segments),
    [{ 'topology.stratum.dev/node': node.name }],
  );
  await publish(src.volumeId);
  await node.sh(`head -c ${32 * MiB} /dev/urandom > ${targetOf(src.volumeId)}/data && sync`);
  const before = await checksum(`${targetOf(src.volumeId)}/data`);

  const snap = await readySnapshot('snapshot-lab-1', src.volumeId, 'snapshot ready');
  assert.is(snap.sizeBytes, String(256 * MiB), 'restore size = the volume size');
  assert.is(snap.sourceVolumeId, src.volumeId);
  const lvSnap = (await lvs()).find((l) => l.lv_name === snap.snapshotId);
  assert.ok(lvSnap?.lv_layout.includes('thin'), 'a thin snapshot LV');
  assert.match(lvSnap!.lv_tags, `stratum.snapshot-of=${src.volumeId}`);
  const object = await cluster.get<LocalVolumeSnapshot>(LOCAL_VOLUME_SNAPSHOTS, snap.snapshotId);
  assert.is(object?.status?.readyToUse, true);
  assert.is(object?.spec.node, node.name);

  await node.sh(`head -c ${16 * MiB} /dev/urandom > ${targetOf(src.volumeId)}/data && sync`);
  const after = await checksum(`${targetOf(src.volumeId)}/data`);
  assert.is.not(after, before);

  const restored = await createVolume('pvc-lab-restore', { snapshot: { snapshotId: snap.snapshotId } });
  const clone = await createVolume('pvc-lab-clone', { volume: { volumeId: src.volumeId } });
  for (const v of [restored, clone]) {
    assert.equal(
      v.accessibleTopology.map((t) => t.segments),
      [{ 'topology.stratum.dev/node': node.name }],
      'on the source node',
    );
    const lv = await cluster.get<LocalVolume>(LOCAL_VOLUMES, v.volumeId);
    assert.is(lv?.status?.phase, 'Ready');
  }
  await publish(restored.volumeId);
  await publish(clone.volumeId);
  assert.is(await checksum(`${targetOf(restored.volumeId)}/data`), before, 'the restore holds the data of the snapshot');
  assert.is(await checksum(`${targetOf(clone.volumeId)}/data`), after, 'the clone holds the data of now');

  // Snapshot first, then its volume: the restore is untouched.
  await callCsi(controller.controller, 'DeleteSnapshot', { snapshotId: snap.snapshotId }, 60_000);
  assert.not.ok(
    (await lvs()).some((l) => l.lv_name === snap.snapshotId),
    'snapshot LV removed',
  );
  for (const v of [src, restored, clone]) await unpublish(v.volumeId);
  await deleteVolume(src.volumeId);
  await publish(restored.volumeId);
  assert.is(await checksum(`${targetOf(restored.volumeId)}/data`), before, 'the restore outlives snapshot and source');
  await unpublish(restored.volumeId);

  // Volume first, then its snapshot: the snapshot outlives its volume and can still be restored.
  const snap2 = await readySnapshot('snapshot-lab-2', clone.volumeId, 'second snapshot ready');
  await deleteVolume(clone.volumeId);
  const listed = await callCsi(controller.controller, 'ListSnapshots', { snapshotId: snap2.snapshotId });
  assert.is(listed.entries.length, 1, 'the snapshot of a deleted volume is still listed');
  const again = await createVolume('pvc-lab-again', { snapshot: { snapshotId: snap2.snapshotId } });
  await publish(again.volumeId);
  assert.is(await checksum(`${targetOf(again.volumeId)}/data`), after, 'restored from a snapshot whose volume is gone');
  await unpublish(again.volumeId);
  await callCsi(controller.controller, 'DeleteSnapshot', { snapshotId: snap2.snapshotId }, 60_000);
  await deleteVolume(again.volumeId);
  await deleteVolume(restored.volumeId);

  assert.equal(await leftLvs(), [], 'no LV left in the thin pool');
  await noSnapshotObjectLeft();
  assert.equal(
    (await cluster.list<LocalVolume>(LOCAL_VOLUMES)).filter((v) => v.spec.pool === thinPool),
    [],
    'no LocalVolume left',
  );
});

const VOLUME_SNAPSHOTS: ResourceType = {
  apiVersion: 'snapshot.storage.k8s.io/v1',
  kind: 'VolumeSnapshot',
  plural: 'volumesnapshots',
  namespaced: true,
};
const VOLUME_SNAPSHOT_CLASSES: ResourceType = {
  apiVersion: 'snapshot.storage.k8s.io/v1',
  kind: 'VolumeSnapshotClass',
  plural: 'volumesnapshotclasses',
  namespaced: false,
};
const VOLUME_SNAPSHOT_CONTENTS: ResourceType = {
  apiVersion: 'snapshot.storage.k8s.io/v1',
  kind: 'VolumeSnapshotContent',
  plural: 'volumesnapshotcontents',
  namespaced: false,
};
let controllers: Controllers | undefined;
const sidecars: ManagedProcess[] = [];
let madeDriver = false;

async function stopPvcPath(): Promise<void> {
  await Promise.all(sidecars.map((p) => p.stop().catch(() => undefined)));
  await controllers?.stop().catch(() => undefined);
  if (madeDriver)
    await cluster
      .delete({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', plural: 'csidrivers', namespaced: false }, CSI_DRIVER_NAME)
      .catch(() => undefined);
  await cluster?.delete(CSI_NODES, node?.name ?? '').catch(() => undefined);
}

interface VolumeSnapshot {
  metadata: { name: string };
  status?: { readyToUse?: boolean; restoreSize?: string; boundVolumeSnapshotContentName?: string; error?: { message?: string } };
}

/** Waits until the claim is Bound; its PV's volume handle. */
async function boundVolume(claim: string): Promise<string> {
  const bound = await waitFor(
    `claim ${claim} Bound`,
    async () => {
      const c = await cluster.get<Pvc & { metadata: Record<string, unknown> }>(PVCS, claim, cluster.namespace);
      return c?.status?.phase === 'Bound' ? c : undefined;
    },
    240_000,
    1_000,
  );
  const pv = await cluster.get<{ metadata: { name: string }; spec: { csi: { volumeHandle: string } } }>(PVS, bound.spec.volumeName!);
  return pv!.spec.csi.volumeHandle;
}

async function claim(name: string, storageClassName: string, dataSource?: { kind: string; name: string; apiGroup?: string }) {
  await cluster.create(PVCS, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: cluster.namespace },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName,
      resources: { requests: { storage: '256Mi' } },
      ...(dataSource ? { dataSource } : {}),
    },
  });
}

it('PVC path with the real snapshot controller: VolumeSnapshot ready, restore PVC holds the old data, clone PVC the new; no LV left', async () => {
  // The Kubernetes side, as an install runs it: the VolumeSnapshot CRDs of the same release as
  // the sidecars, kube-controller-manager (PV binder), csi-provisioner and csi-snapshotter on
  // the operator's socket, snapshot-controller, the CSIDriver and the VM node's CSINode.
  await installCrds(connectToSharedControlPlane().kubeConfig(), cluster.kubeconfig, snapshotCrdsDir());
  controllers = await startSharedControllers({ controllerManager: true });
  madeDriver = await ensureCsiDriver(cluster.client);
  const info = await callCsi(csi.node, 'NodeGetInfo', {});
  const vmNode = await cluster.client.request<{ metadata: { uid: string } }>('GET', resourcePath(NODES, undefined, node.name));
  await cluster.client.request('POST', resourcePath(CSI_NODES), {
    body: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSINode',
      metadata: { name: node.name, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: vmNode.metadata.uid }] },
      spec: { drivers: [{ name: CSI_DRIVER_NAME, nodeID: info.nodeId, topologyKeys: [TOPOLOGY_KEY] }] },
    },
  });
  const common = [`--csi-address=${controllerSocket}`, `--kubeconfig=${cluster.kubeconfig}`, '--timeout=60s', '--v=4'];
  const logDir = lab.logDir;
  sidecars.push(
    ManagedProcess.start({
      name: 'csi-provisioner',
      binary: rigBinary('csi-provisioner'),
      logFile: path.join(logDir, 'csi-provisioner.log'),
      args: [...common, '--extra-create-metadata', '--default-fstype=ext4', '--retry-interval-start=500ms', '--retry-interval-max=5s'],
    }),
    ManagedProcess.start({
      name: 'csi-snapshotter',
      binary: rigBinary('csi-snapshotter'),
      logFile: path.join(logDir, 'csi-snapshotter.log'),
      args: [...common, '--retry-interval-start=500ms', '--retry-interval-max=5s'],
    }),
    ManagedProcess.start({
      name: 'snapshot-controller',
      binary: rigBinary('snapshot-controller'),
      logFile: path.join(logDir, 'snapshot-controller.log'),
      args: [`--kubeconfig=${cluster.kubeconfig}`, '--v=4', '--retry-interval-start=500ms', '--retry-interval-max=5s'],
    }),
  );
  const sc = `${thinPool}-sc`;
  await cluster.createStorageClass(sc, { pool: thinPool }, { volumeBindingMode: 'Immediate', reclaimPolicy: 'Delete' });
  const vsc = `${thinPool}-snapclass`;
  await cluster.create(VOLUME_SNAPSHOT_CLASSES, {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotClass',
    metadata: { name: vsc },
    driver: CSI_DRIVER_NAME,
    deletionPolicy: 'Delete',
  } as never);

  await claim('data', sc);
  const src = await boundVolume('data');
  await publish(src);
  await node.sh(`head -c ${32 * MiB} /dev/urandom > ${targetOf(src)}/data && sync`);
  const before = await checksum(`${targetOf(src)}/data`);

  await cluster.create(VOLUME_SNAPSHOTS, {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    metadata: { name: 'data-snap', namespace: cluster.namespace },
    spec: { volumeSnapshotClassName: vsc, source: { persistentVolumeClaimName: 'data' } },
  } as never);
  const ready = await waitFor(
    'VolumeSnapshot ready',
    async () => {
      const v = await cluster.get<VolumeSnapshot & { metadata: Record<string, unknown> }>(VOLUME_SNAPSHOTS, 'data-snap', cluster.namespace);
      return v?.status?.readyToUse ? v : undefined;
    },
    240_000,
    1_000,
  );
  assert.is(ready.status?.restoreSize, '256Mi');
  const content = await cluster.get<{ metadata: Record<string, unknown>; status?: { snapshotHandle?: string } }>(
    VOLUME_SNAPSHOT_CONTENTS,
    ready.status!.boundVolumeSnapshotContentName!,
  );
  const handle = content!.status!.snapshotHandle!;
  assert.ok(
    (await lvs()).some((l) => l.lv_name === handle),
    `the thin snapshot LV ${handle}`,
  );

  await node.sh(`head -c ${16 * MiB} /dev/urandom > ${targetOf(src)}/data && sync`);
  const after = await checksum(`${targetOf(src)}/data`);

  await claim('data-restore', sc, { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'data-snap' });
  await claim('data-clone', sc, { kind: 'PersistentVolumeClaim', name: 'data' });
  const restored = await boundVolume('data-restore');
  const clone = await boundVolume('data-clone');
  await publish(restored);
  await publish(clone);
  assert.is(await checksum(`${targetOf(restored)}/data`), before, 'the restore PVC holds the data of the snapshot');
  assert.is(await checksum(`${targetOf(clone)}/data`), after, 'the clone PVC holds the data of now');
  for (const v of [src, restored, clone]) await unpublish(v);

  // The source claim first (its snapshot stays), then the snapshot, then the rest.
  await cluster.delete(PVCS, 'data', cluster.namespace);
  await waitFor('source PV gone', async () => !(await cluster.get(LOCAL_VOLUMES, src)), 180_000, 1_000);
  assert.ok(
    (await lvs()).some((l) => l.lv_name === handle),
    'the snapshot outlives its volume',
  );
  await cluster.delete(VOLUME_SNAPSHOTS, 'data-snap', cluster.namespace);
  for (const c of ['data-restore', 'data-clone']) await cluster.delete(PVCS, c, cluster.namespace);
  await waitFor('no LV left in the thin pool', async () => (await leftLvs()).length === 0, 240_000, 2_000).catch(async (err: Error) => {
    throw new Error(`${err.message}: ${(await leftLvs()).join(', ')}`);
  });
  await noSnapshotObjectLeft();
});

it.run();
