// A real PVC flow: shared control plane plus kube-controller-manager and kube-scheduler,
// csi-provisioner (--enable-capacity) and csi-resizer on the operator's CSI socket, two real
// agents whose `backend: disk` pool hands out loop devices. The test plays the kubelet: its
// registration of the driver (topology labels, CSINode from NodeGetInfo) and NodeStage/NodePublish
// on the chosen node's agent. The full node is never chosen; the PV is bound with node affinity; data is
// written and read; a resize grows volume and filesystem; deleting the claim removes PV,
// LocalVolume and the disk claim; a claim for an unknown pool gets the CSI refusal as an Event.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CSI_DRIVER_NAME, TOPOLOGY_KEY } from '../../src/common/constants.ts';
import type { LocalVolume } from '../../src/api/index.ts';
import { parseQuantity } from '../../src/api/quantity.ts';
import { run } from '../../src/common/exec.ts';
import { findMount } from '../../src/agent/fs/mount-table.ts';
import { callCsi, connectCsi } from '../../src/csi/client.ts';
import { resourcePath } from '../../src/operator/runtime/kube/client.ts';
import { CSI_STORAGE_CAPACITIES, LOCAL_VOLUMES } from '../../src/operator/resources.ts';
import type { CSIStorageCapacity } from '../../src/operator/pools/capacity.ts';
import { kubectl } from '../rig/kubectl.ts';
import { callAgent } from '../helpers/agent-harness.ts';
import { unmountAll } from '../helpers/cleanup.ts';
import { statusShowsFilesystem } from '../helpers/filesystem-status.ts';
import { TestCluster, reportFailure, waitFor, type ClusterNode } from './support.ts';
import { CSI_DRIVERS, EVENTS, PODS, PVCS, PVS, type KubeEvent, type Pv, type Pvc } from './csi-support.ts';
import { controllerEndpoint, ensureCsiDriver, nameAgentsAfterNodes, removeCsiNodes, startClaimProvisioning } from './csi-support.ts';
import { isNotFound } from '../../src/operator/runtime/kube/client.ts';

const MiB = 1024 ** 2;
const it = suite('csi: PVC flow');
let cluster: TestCluster;
let provisioning: { stop(): Promise<void> } | undefined;
let madeDriver = false;
let pool: string;
let sc: string;
let dir: string;
let full: ClusterNode;
let roomy: ClusterNode;
const claims = ['data-0', 'data-1'];

interface Pod {
  spec: { nodeName?: string };
}

const pvc = (name: string) => cluster.get<Pvc & { metadata: Record<string, unknown> }>(PVCS, name, cluster.namespace);
const pv = (name: string) => cluster.get<Pv & { metadata: Record<string, unknown> }>(PVS, name);
const capacityOn = async (node: string) =>
  (await cluster.list<CSIStorageCapacity>(CSI_STORAGE_CAPACITIES, {}, cluster.namespace)).filter(
    (c) => c.storageClassName === sc && c.nodeTopology?.matchLabels?.[TOPOLOGY_KEY] === node,
  );

async function createClaim(name: string, storageClassName: string, size: string, withPod = true): Promise<void> {
  await cluster.create(PVCS, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: cluster.namespace },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName, resources: { requests: { storage: size } } },
  });
  if (withPod) {
    await cluster.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `app-${name}`, namespace: cluster.namespace },
      spec: {
        containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: name } }],
      },
    });
  }
}

it.before(
  reportFailure(async () => {
    cluster = await TestCluster.start({ agents: 2, loopsPerAgent: 0 });
    [full, roomy] = [cluster.nodes[0]!, cluster.nodes[1]!];
    await full.agent.addLoop(512 * MiB);
    for (let i = 0; i < 2; i++) await roomy.agent.addLoop(512 * MiB);
    await nameAgentsAfterNodes(cluster);
    dir = await mkdtemp(path.join(tmpdir(), 'stratum-csi-pvc-'));
    pool = `${cluster.prefix}-disk`;
    sc = `${pool}-sc`;
    await cluster.createPool(pool, { mediaClass: 'hdd', backend: 'disk' });
    await cluster.createStorageClass(
      sc,
      { pool, 'csi.storage.k8s.io/fstype': 'xfs' },
      { volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true, reclaimPolicy: 'Delete' },
    );
    madeDriver = await ensureCsiDriver(cluster.client);
    // A short volume scan: status.filesystem follows the node's mounts within seconds.
    await cluster.startOperator('operator-0', ['--csi-endpoint', controllerEndpoint(cluster), '--volume-scan-interval-ms', '1000']);
    await cluster.poolOnNodes(pool, 2);
    provisioning = await startClaimProvisioning(cluster);
  }),
);

it.after(
  reportFailure(async () => {
    await provisioning?.stop();
    if (dir) {
      const { stdout } = await run('findmnt', ['-rn', '-o', 'TARGET'], { okCodes: [0, 1] });
      for (const m of stdout
        .split('\n')
        .filter((l) => l.startsWith(dir))
        .reverse())
        await unmountAll(m);
      await rm(dir, { recursive: true, force: true });
    }
    if (cluster) {
      // PVs the provisioner made and could not delete (a failed test): drop their finalizers and delete them.
      const gone = (e: unknown) => {
        if (!isNotFound(e)) throw e;
      };
      for (const p of (await cluster.list<Pv & { metadata: Record<string, unknown> }>(PVS)).filter((x) =>
        (x as unknown as { spec: { storageClassName?: string } }).spec.storageClassName?.startsWith(cluster.prefix),
      )) {
        await cluster.client
          .request('PATCH', resourcePath(PVS, undefined, p.metadata.name as string), {
            patchType: 'merge',
            body: { metadata: { finalizers: null } },
          })
          .catch(gone);
        await cluster.client.request('DELETE', resourcePath(PVS, undefined, p.metadata.name as string)).catch(gone);
      }
      await removeCsiNodes(cluster);
      if (madeDriver)
        await cluster.client.request('DELETE', resourcePath(CSI_DRIVERS, undefined, CSI_DRIVER_NAME)).catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
        });
    }
    await cluster?.teardown();
  }),
);

it('a full node is never chosen: both claims bind on the node with room, PVs carry its node affinity', async () => {
  // Fill the first node's pool: its only disk goes to a volume pinned there.
  await cluster.createVolume(`${cluster.prefix}-filler`, { pool, size: '512Mi', accessibility: { nodes: [full.name] } });
  await waitFor(
    'filler Ready',
    async () => (await cluster.get<LocalVolume>(LOCAL_VOLUMES, `${cluster.prefix}-filler`))?.status?.phase === 'Ready',
    60_000,
    200,
  );
  await waitFor(
    'every capacity object of the full node says it is full',
    async () => {
      const caps = await capacityOn(full.name);
      return caps.length >= 2 && caps.every((c) => parseQuantity(c.maximumVolumeSize ?? c.capacity ?? '0') < 400n * BigInt(MiB));
    },
    60_000,
    250,
  );
  for (const c of claims) await createClaim(c, sc, '400Mi');
  for (const c of claims) {
    const bound = await waitFor(`${c} Bound`, async () => ((await pvc(c))?.status?.phase === 'Bound' ? pvc(c) : undefined), 90_000, 250);
    const pod = await waitFor(
      `app-${c} scheduled`,
      async () => {
        const p = await cluster.get<Pod & { metadata: Record<string, unknown> }>(PODS, `app-${c}`, cluster.namespace);
        return p?.spec.nodeName ? p : undefined;
      },
      30_000,
      250,
    );
    assert.is(pod.spec.nodeName, roomy.name, `${c}: the scheduler chose the node with room`);
    assert.is(bound.metadata.annotations?.['volume.kubernetes.io/selected-node'], roomy.name);
    const volume = (await pv(bound.spec.volumeName!))!;
    assert.is(volume.spec.csi.driver, CSI_DRIVER_NAME);
    assert.equal(volume.spec.nodeAffinity!.required.nodeSelectorTerms[0]!.matchExpressions[0], {
      key: TOPOLOGY_KEY,
      operator: 'In',
      values: [roomy.name],
    });
    const lv = (await cluster.get<LocalVolume>(LOCAL_VOLUMES, volume.spec.csi.volumeHandle))!;
    assert.is(lv.status?.primaryNode, roomy.name);
    assert.equal(lv.spec.pvcRef, { namespace: cluster.namespace, name: c });
    assert.is(lv.spec.fsType, 'xfs');
  }
});

/** Grows the loop device that is the claim's volume (a `backend: disk` volume is the whole disk). */
async function growDiskUnder(claim: string, bytes: number): Promise<{ id: string; device: string }> {
  const vol = await volumeOf(claim);
  const loop = roomy.agent.attached.find((l) => l.device === vol.device)!;
  await run('truncate', ['-s', String(bytes), loop.file]);
  await run('losetup', ['-c', vol.device]);
  return vol;
}

async function volumeOf(claim: string): Promise<{ id: string; device: string }> {
  const id = (await pvc(claim))!.spec.volumeName!;
  const { volumes } = await callAgent(roomy.agent.client, 'ListVolumes', {});
  const v = volumes.find((x) => x.id === id);
  assert.ok(v, `agent on ${roomy.name} has volume ${id}`);
  return { id, device: v.devicePath };
}

const cap = { accessMode: { mode: 'SINGLE_NODE_WRITER' as const }, mount: { fsType: 'xfs', mountFlags: [] } };
const staging = (c: string) => path.join(dir, c, 'globalmount');
const target = (c: string) => path.join(dir, c, 'pod', 'mount');

async function stageAndPublish(csi: ReturnType<typeof connectCsi>, c: string): Promise<void> {
  const { id } = await volumeOf(c);
  const ctx = (await pv(id))!.spec.csi as unknown as { volumeAttributes?: Record<string, string> };
  await callCsi(
    csi.node,
    'NodeStageVolume',
    { volumeId: id, stagingTargetPath: staging(c), volumeCapability: cap, volumeContext: ctx.volumeAttributes ?? {} },
    120_000,
  );
  await callCsi(csi.node, 'NodePublishVolume', {
    volumeId: id,
    stagingTargetPath: staging(c),
    targetPath: target(c),
    volumeCapability: cap,
  });
}

it("kubelet played: NodeStage + NodePublish on the chosen node; data written and read back from each claim's own disk", async () => {
  const csi = connectCsi(roomy.agent.csiEndpoint);
  try {
    for (const c of claims) {
      await stageAndPublish(csi, c);
      assert.is((await findMount(staging(c)))?.fsType, 'xfs');
      await writeFile(path.join(target(c), 'hello.txt'), `hello from ${c}`);
    }
    // Not through the live mounts (the page cache would answer): each claim's mount is backed by
    // its own device; unstaged (unmounted, cache gone) and mounted afresh read-only, each device
    // holds that claim's file and nothing else.
    const devices: string[] = [];
    for (const c of claims) {
      const { id, device } = await volumeOf(c);
      assert.is((await findMount(staging(c)))?.source, device, `${c} is mounted from its volume's device`);
      devices.push(device);
      await callCsi(csi.node, 'NodeUnpublishVolume', { volumeId: id, targetPath: target(c) });
      await callCsi(csi.node, 'NodeUnstageVolume', { volumeId: id, stagingTargetPath: staging(c) });
    }
    assert.is(new Set(devices).size, claims.length, `one device per claim: ${devices.join(', ')}`);
    for (const [i, c] of claims.entries()) {
      const check = path.join(dir, `check-${c}`);
      await mkdir(check, { recursive: true });
      await run('mount', ['-o', 'ro', devices[i]!, check]);
      try {
        assert.equal(await readdir(check), ['hello.txt'], `${devices[i]} holds ${c}'s file only`);
        assert.is(await readFile(path.join(check, 'hello.txt'), 'utf8'), `hello from ${c}`, 'each claim has its own disk');
      } finally {
        await unmountAll(check);
      }
    }
    for (const c of claims) await stageAndPublish(csi, c);
    for (const c of claims) assert.is(await readFile(path.join(target(c), 'hello.txt'), 'utf8'), `hello from ${c}`, 'published again');
  } finally {
    csi.close();
  }
});

it('PVC resize: csi-resizer → ControllerExpandVolume grows the volume; NodeExpandVolume grows xfs online', async () => {
  const c = claims[0]!;
  // The disk grows underneath first (as a cloud disk is resized): a `backend: disk` volume is the whole disk.
  const { id } = await growDiskUnder(c, 1024 * MiB);
  await waitFor(
    'the agent sees the grown disk',
    async () => (await callAgent(roomy.agent.client, 'ListVolumes', {})).volumes.find((v) => v.id === id)?.sizeBytes === String(1024 * MiB),
    20_000,
    250,
  );
  await cluster.client.request('PATCH', resourcePath(PVCS, cluster.namespace, c), {
    patchType: 'merge',
    body: { spec: { resources: { requests: { storage: '900Mi' } } } },
  });
  const grown = await waitFor(
    'PV capacity 900Mi+',
    async () => {
      const v = await pv(id);
      return v && parseQuantity(v.spec.capacity.storage) >= 900n * BigInt(MiB) ? v : undefined;
    },
    90_000,
    250,
  );
  const lv = (await cluster.get<LocalVolume>(LOCAL_VOLUMES, id))!;
  assert.is(lv.spec.size, '900Mi');
  assert.ok(parseQuantity(lv.status!.capacity!) >= 900n * BigInt(MiB), `LocalVolume capacity ${lv.status!.capacity}`);
  await waitFor(
    'PVC waits for the node (FileSystemResizePending)',
    async () => (await pvc(c))?.status?.conditions?.some((x) => x.type === 'FileSystemResizePending'),
    30_000,
    250,
  );
  const csi = connectCsi(roomy.agent.csiEndpoint);
  try {
    const before = Number((await callCsi(csi.node, 'NodeGetVolumeStats', { volumeId: id, volumePath: target(c) })).usage[0]!.total);
    await statusShowsFilesystem(
      () => cluster.get<LocalVolume>(LOCAL_VOLUMES, id),
      { type: 'xfs', bytes: before, node: roomy.name },
      20_000,
    );
    const res = await callCsi(
      csi.node,
      'NodeExpandVolume',
      {
        volumeId: id,
        volumePath: target(c),
        capacityRange: { requiredBytes: String(parseQuantity(grown.spec.capacity.storage)) },
        volumeCapability: cap,
      },
      120_000,
    );
    const after = Number((await callCsi(csi.node, 'NodeGetVolumeStats', { volumeId: id, volumePath: target(c) })).usage[0]!.total);
    assert.ok(after > before && after >= 900 * MiB, `filesystem ${before} → ${after} bytes (NodeExpandVolume said ${res.capacityBytes})`);
    assert.is(await readFile(path.join(target(c), 'hello.txt'), 'utf8'), `hello from ${c}`, 'data survives the resize');
    // The LocalVolume shows both sizes: the volume's, and the filesystem's once the node grew it.
    await statusShowsFilesystem(() => cluster.get<LocalVolume>(LOCAL_VOLUMES, id), { type: 'xfs', bytes: after, node: roomy.name }, 20_000);
  } finally {
    csi.close();
  }
});

it('kubectl edit growth of a LocalVolume: the claim follows, csi-resizer grows the PV, the claim waits for the node to grow the filesystem', async () => {
  const c = claims[1]!;
  const { id } = await growDiskUnder(c, 1024 * MiB);
  await kubectl(cluster.kubeconfig, ['patch', 'localvolume', id, '--type=merge', '-p', '{"spec":{"size":"800Mi"}}']);
  await waitFor('the claim asks for 800Mi', async () => (await pvc(c))?.spec.resources.requests.storage === '800Mi', 30_000, 250);
  await waitFor(
    'csi-resizer records 800Mi on the PV',
    async () => parseQuantity((await pv(id))?.spec.capacity.storage ?? '0') >= 800n * BigInt(MiB),
    90_000,
    250,
  );
  await waitFor(
    'the claim waits for the node (FileSystemResizePending)',
    async () => (await pvc(c))?.status?.conditions?.some((x) => x.type === 'FileSystemResizePending'),
    30_000,
    250,
  );
  const events = await cluster.list<KubeEvent>(EVENTS, {
    fieldSelector: `involvedObject.name=${id}`,
  });
  const resized = events.find((e) => e.reason === 'ClaimResized');
  assert.ok(resized?.message.includes(`${cluster.namespace}/${c} now asks for 800Mi`), `ClaimResized Event: ${JSON.stringify(events)}`);
});

it('deleting the claims removes PVs, LocalVolumes and the disk claims', async () => {
  const ids = await Promise.all(claims.map(async (c) => (await volumeOf(c)).id));
  const csi = connectCsi(roomy.agent.csiEndpoint);
  try {
    for (const [i, c] of claims.entries()) {
      await callCsi(csi.node, 'NodeUnpublishVolume', { volumeId: ids[i]!, targetPath: target(c) });
      await callCsi(csi.node, 'NodeUnstageVolume', { volumeId: ids[i]!, stagingTargetPath: staging(c) });
    }
  } finally {
    csi.close();
  }
  for (const c of claims) {
    await cluster.kubelet.deletePod(cluster.namespace, `app-${c}`);
    await cluster.client.request('DELETE', resourcePath(PVCS, cluster.namespace, c));
  }
  for (const id of ids) {
    await waitFor(`PV ${id} gone`, async () => !(await pv(id)), 90_000, 250);
    assert.is(await cluster.get(LOCAL_VOLUMES, id), undefined, `LocalVolume ${id} gone`);
  }
  const { volumes } = await callAgent(roomy.agent.client, 'ListVolumes', {});
  for (const id of ids)
    assert.not.ok(
      volumes.some((v) => v.id === id),
      `agent released ${id}`,
    );
});

it('a claim for an unknown pool gets the CSI refusal as a ProvisioningFailed Event; nothing is created', async () => {
  const bad = `${cluster.prefix}-nopool-sc`;
  await cluster.createStorageClass(bad, { pool: `${cluster.prefix}-nopool` }, { volumeBindingMode: 'Immediate' });
  await createClaim('bad', bad, '64Mi', false);
  // The provisioner's first attempt may race its own StorageClass informer and fail for that
  // reason; what counts is that the CSI refusal reaches the claim.
  const refusal = /InvalidArgument.*StoragePool .*-nopool does not exist/;
  let seen: string[] = [];
  const event = await waitFor(
    'ProvisioningFailed event with the CSI refusal',
    async () => {
      const failed = (await cluster.list<KubeEvent>(EVENTS, {}, cluster.namespace)).filter(
        (e) => e.involvedObject.name === 'bad' && e.reason === 'ProvisioningFailed',
      );
      seen = failed.map((e) => e.message);
      return failed.find((e) => refusal.test(e.message));
    },
    60_000,
    250,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; ProvisioningFailed messages: ${JSON.stringify(seen)}`);
  });
  assert.match(event.message, refusal);
  assert.is((await pvc('bad'))?.status?.phase, 'Pending');
  const mine = (await cluster.list<LocalVolume>(LOCAL_VOLUMES)).filter((v) => v.spec.pool === `${cluster.prefix}-nopool`);
  assert.is(mine.length, 0);
});

it.run();
