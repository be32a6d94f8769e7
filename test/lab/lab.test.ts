// The lab suite: two VMs with Debian's kernel as Kubernetes nodes, the real agent in each, the
// operator and the control plane on the host. The VMs boot once for the whole file (each boot
// costs a minute or more under software emulation) and every test shares them.
//
// First the lab itself: disk identities, commands with exit codes, the private link. Then what a
// real kernel (device-mapper, thin pools) proves that loop devices on this machine cannot, on the
// first VM: a pool on virtio disks, LocalDisks with serials and a WWN, LocalVolumes as activated
// LVs, the CSI node service staging and publishing them (ext4, xfs) with data that survives,
// online growth while mounted, a thin pool with its overcommit limit, disk hot-plug, a disk
// unplugged under a volume. Last, node loss on the second VM: a hard kill, then a boot with the
// same disks and their data; then its Node deleted for good.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import type { LocalDisk, LocalVolume, StoragePool, VolumeReplica } from '../../src/api/index.ts';
import { parseQuantity } from '../../src/api/quantity.ts';
import { LVM_VOLUME_TAG_PREFIX } from '../../src/common/constants.ts';
import { callCsi, connectCsi, type CsiClients } from '../../src/csi/client.ts';
import { resourcePath } from '../../src/operator/runtime/kube/client.ts';
import { LOCAL_DISKS, LOCAL_VOLUMES, STORAGE_POOLS, VOLUME_REPLICAS } from '../../src/operator/resources.ts';
import { reportFailure } from '../integration/support.ts';
import { statusShowsFilesystem } from '../helpers/filesystem-status.ts';
import { waitFor } from '../operator/support.ts';
import { Lab } from './lab.ts';
import { LabCluster } from './lab-cluster.ts';
import { mountCapability, stageAndPublish, stagingOf, targetOf, unpublishAndUnstage } from './lab-csi.ts';
import { GUEST_CSI_SOCKET, type LabNode } from './lab-node.ts';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const it = suite('lab: VMs as nodes');
let lab: Lab;
let cluster: LabCluster;
/** The first VM: the storage tests' node. */
let node: LabNode;
let csi: CsiClients;
let hddPool: string;
let thinPool: string;

type Pool = StoragePool & { metadata: { name: string } };
type Volume = LocalVolume & { metadata: { name: string } };
interface Lv {
  lv_name: string;
  vg_name: string;
  lv_path: string;
  lv_size: string;
  lv_tags: string;
  lv_layout: string;
}

const pool = (name: string) => cluster.get<Pool>(STORAGE_POOLS, name);
const volume = (name: string) => cluster.get<Volume>(LOCAL_VOLUMES, name);
const poolOnNode = async (name: string) => (await pool(name))?.status?.nodes?.find((n) => n.node === node.name);

async function lvs(): Promise<Lv[]> {
  const out = await node.sh('lvs --reportformat json --units b --nosuffix -o lv_name,vg_name,lv_path,lv_size,lv_tags,lv_layout');
  return (JSON.parse(out) as { report: { lv: Lv[] }[] }).report[0]!.lv;
}
const lvOf = async (volumeName: string) =>
  (await lvs()).find((l) => l.lv_tags.split(',').includes(`${LVM_VOLUME_TAG_PREFIX}${volumeName}`));

async function explainVolume(name: string): Promise<string> {
  return JSON.stringify({ status: (await volume(name))?.status }, null, 1);
}

async function createVolume(name: string, poolName: string, size: string, fsType?: string, on: LabNode = node): Promise<void> {
  await cluster.createVolume(name, { pool: poolName, size, ...(fsType ? { fsType } : {}), accessibility: { nodes: [on.name] } });
}

/** Waits until the volume is Lost with `reason` (its Ready condition's); returns it. */
function lostWith(name: string, reason: string): Promise<Volume> {
  return waitFor(
    `${name} Lost (${reason})`,
    async () => {
      const v = await volume(name);
      return v?.status?.phase === 'Lost' && v.status.conditions?.find((c) => c.type === 'Ready')?.reason === reason ? v : undefined;
    },
    120_000,
    500,
  );
}

async function readyVolume(name: string, timeoutMs = 120_000): Promise<Volume> {
  try {
    return await waitFor(
      `${name} Ready`,
      async () => {
        const v = await volume(name);
        return v?.status?.phase === 'Ready' && v.status.observedGeneration === v.metadata.generation ? v : undefined;
      },
      timeoutMs,
      500,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await explainVolume(name)}`);
  }
}

/** A pool on the first VM only. */
async function createPool(name: string, spec: Record<string, unknown>, on: LabNode = node): Promise<Pool> {
  const nodeSelector = { matchLabels: { 'kubernetes.io/hostname': on.name } };
  await cluster.createPool(name, { nodeSelector, ...spec });
  return waitFor(
    `pool ${name} Ready`,
    async () => {
      const p = await pool(name);
      return p?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? p : undefined;
    },
    120_000,
    500,
  );
}

/** Mounted file system type and size in bytes of a path in the VM. */
async function mounted(target: string): Promise<{ fsType: string; sizeBytes: number; source: string }> {
  const [fsType, size, source] = (await node.sh(`findmnt -n -o FSTYPE,SIZE,SOURCE -b --target ${target}`)).trim().split(/\s+/);
  return { fsType: fsType!, sizeBytes: Number(size), source: source! };
}

const nodeDisks = async () => (await cluster.localDisks<LocalDisk>()).filter((d) => d.spec.nodeName === node.name);
const checksum = async (file: string) => (await node.sh(`sha256sum < ${file}`)).trim();

it.before(
  reportFailure(async () => {
    lab = await Lab.start({ nodes: 2, logName: 'lab' });
    node = lab.nodes[0]!;
    cluster = await LabCluster.start(lab);
    // A short volume scan: status.filesystem follows the mounts within seconds. A 20 s grace: a
    // killed VM's volumes turn Lost within the test, while a slow agent start does not.
    await cluster.startOperator({ extraArgs: ['--volume-scan-interval-ms', '2000', '--node-lost-grace-ms', '20000'] });
    csi = connectCsi(`unix://${await node.forwardSocket(GUEST_CSI_SOCKET, path.join(lab.dir, 'csi.sock'))}`);
    hddPool = `${node.name}-hdd`;
    thinPool = `${node.name}-thin`;
  }),
);

it.after(async () => {
  csi?.close();
  await cluster?.teardown().catch((err: unknown) => process.stderr.write(`cluster teardown: ${String(err)}\n`));
  await lab?.teardown();
});

it("each VM runs Debian's kernel with device-mapper, its disks carry their serials and WWN", async () => {
  for (const [i, vm] of lab.nodes.entries()) {
    assert.match(await vm.sh('uname -r'), /-amd64/);
    assert.match(await vm.sh('cat /proc/misc'), /device-mapper/);
    const disks = JSON.parse(await vm.sh('lsblk -J -d -o NAME,SERIAL,WWN,ROTA')) as {
      blockdevices: { name: string; serial: string | null; wwn: string | null; rota: boolean }[];
    };
    const byName = new Map(disks.blockdevices.map((d) => [d.name, d]));
    assert.is(byName.get('vda')?.serial, `VIRT-${i + 1}-1`);
    assert.is(byName.get('vdb')?.serial, `VIRT-${i + 1}-2`);
    assert.is(byName.get('sda')?.serial, `SCSI-${i + 1}-1`);
    assert.is(byName.get('sda')?.wwn, `0x5000c500a1b2c3${(0xd0 + i + 1).toString(16)}`);
    assert.is(byName.get('sda')?.rota, false, 'rotation_rate=1 makes the SCSI disk an SSD');
    assert.ok(
      (await vm.sh('ls /dev/disk/by-id')).includes(`wwn-0x5000c500a1b2c3${(0xd0 + i + 1).toString(16)}`),
      'udev made the by-id links',
    );
  }
});

it("a command's exit code and both outputs come back", async () => {
  const res = await lab.nodes[0]!.exec('echo out; echo err >&2; exit 3');
  assert.equal({ code: res.code, stdout: res.stdout, stderr: res.stderr }, { code: 3, stdout: 'out\n', stderr: 'err\n' });
  const slow = await lab.nodes[0]!.exec('sleep 30', 1_000);
  assert.ok(slow.timedOut, 'a command past its bound is killed');
});

it('the VMs reach each other on the lab link, and nothing beyond it', async () => {
  const a = lab.nodes[0]!;
  const b = lab.nodes[1]!;
  await a.sh(`busybox ping -c 2 -W 5 ${lab.linkAddress(b)}`, 30_000);
  await b.sh(`busybox ping -c 2 -W 5 ${lab.linkAddress(a)}`, 30_000);
  const out = await a.exec('ip route get 1.1.1.1', 10_000);
  assert.is.not(out.code, 0, `the VM has no route out: ${out.stdout}`);
});

it("LocalDisks carry the virtio serials and the SCSI disk's WWN; an LVM pool forms on the virtio disks", async () => {
  const disks = await waitFor(
    '3 LocalDisks Available',
    async () => {
      const d = await nodeDisks();
      return d.length === 3 && d.every((x) => x.status?.state === 'Available') ? d : undefined;
    },
    120_000,
    500,
  );
  const byDevice = new Map(disks.map((d) => [d.status!.devicePath, d.status!]));
  assert.is(byDevice.get('/dev/vda')?.identity?.serial, 'VIRT-1-1');
  assert.is(byDevice.get('/dev/vdb')?.identity?.serial, 'VIRT-1-2');
  assert.is(byDevice.get('/dev/sda')?.identity?.wwn, '0x5000c500a1b2c3d1');
  assert.is(byDevice.get('/dev/sda')?.identity?.serial, 'SCSI-1-1');
  assert.is(byDevice.get('/dev/sda')?.mediaClass, 'ssd', 'rotation_rate=1: non-rotational');
  assert.is(byDevice.get('/dev/vda')?.mediaClass, 'hdd');

  // maxSize keeps larger disks out: the hot-plug test adds one that must stay Available.
  await createPool(hddPool, { mediaClass: 'hdd', diskSelector: { maxSize: '3Gi' } });
  const vgs = JSON.parse(await node.sh('vgs --reportformat json --units b --nosuffix -o vg_name,pv_count,vg_size')) as {
    report: { vg: { vg_name: string; pv_count: string; vg_size: string }[] }[];
  };
  const vg = vgs.report[0]!.vg.find((v) => v.vg_name.endsWith(hddPool));
  assert.ok(vg, `a VG for ${hddPool} in ${JSON.stringify(vgs)}`);
  assert.is(vg.pv_count, '2');
  const status = await poolOnNode(hddPool);
  assert.is(parseQuantity(status!.total!), BigInt(vg.vg_size));
});

it('a LocalVolume becomes Ready and its LV is active: /dev/<vg>/<lv> is a block device in the VM', async () => {
  await createVolume('lab-vol-ext4', hddPool, '256Mi', 'ext4');
  await readyVolume('lab-vol-ext4');
  const lv = await lvOf('lab-vol-ext4');
  assert.ok(lv, 'an LV tagged for the volume');
  assert.is(lv.lv_path, `/dev/${lv.vg_name}/${lv.lv_name}`);
  assert.is(lv.lv_size, String(256 * MiB));
  await node.sh(`test -b ${lv.lv_path} && test -b $(readlink -f ${lv.lv_path})`);
});

for (const fsType of ['ext4', 'xfs'] as const) {
  it(`CSI node service (${fsType}): stage, publish, write; unpublish, unstage, stage again: same SHA-256; stats are real`, async () => {
    const vol = `lab-vol-${fsType}`;
    // xfs wants at least 300 MiB.
    if (fsType === 'xfs') await createVolume(vol, hddPool, '320Mi', 'xfs');
    await readyVolume(vol);
    await stageAndPublish(node, csi.node, vol, fsType);
    const lv = await lvOf(vol);
    const m = await mounted(targetOf(vol));
    assert.is(m.fsType, fsType);
    assert.is(await node.sh(`readlink -f ${m.source}`), await node.sh(`readlink -f ${lv!.lv_path}`), 'the LV is what is mounted');
    await node.sh(`head -c ${24 * MiB} /dev/urandom > ${targetOf(vol)}/data && sync`);
    const before = await checksum(`${targetOf(vol)}/data`);

    const stats = await callCsi(csi.node, 'NodeGetVolumeStats', { volumeId: vol, volumePath: targetOf(vol) });
    const bytes = stats.usage.find((u) => u.unit === 'BYTES')!;
    const df = (await node.sh(`df -B1 --output=size,used,avail ${targetOf(vol)} | tail -1`)).trim().split(/\s+/).map(Number);
    assert.is(Number(bytes.total), df[0], 'total as df sees it');
    assert.ok(Number(bytes.used) >= 24 * MiB, `used ${bytes.used} counts the 24 MiB written`);
    assert.ok(Math.abs(Number(bytes.used) - df[1]!) < 4 * MiB, `used ${bytes.used} ≈ df ${df[1]}`);

    await unpublishAndUnstage(csi.node, vol);
    assert.is((await node.exec(`findmnt ${stagingOf(vol)}`)).code, 1, 'unstaged: nothing mounted');
    await stageAndPublish(node, csi.node, vol, fsType);
    assert.is(await checksum(`${targetOf(vol)}/data`), before);
  });
}

for (const [fsType, from, to] of [
  ['ext4', 256, 512],
  ['xfs', 320, 640],
] as const) {
  it(`online growth (${fsType}): the LV and the mounted file system grow, the data stays`, async () => {
    const vol = `lab-vol-${fsType}`;
    const before = await checksum(`${targetOf(vol)}/data`);
    const fsBefore = (await mounted(targetOf(vol))).sizeBytes;
    assert.ok(fsBefore <= from * MiB);
    await statusShowsFilesystem(() => volume(vol), { type: fsType, bytes: fsBefore, node: node.name }, 30_000);
    await cluster.client.request('PATCH', resourcePath(LOCAL_VOLUMES, undefined, vol), {
      patchType: 'merge',
      body: { spec: { size: `${to}Mi` } },
    });
    await waitFor(
      `${vol} capacity ${to}Mi`,
      async () => {
        const v = await volume(vol);
        return v?.status?.capacity && parseQuantity(v.status.capacity) >= BigInt(to * MiB) && v.status.phase === 'Ready';
      },
      120_000,
      500,
    );
    assert.is((await lvOf(vol))!.lv_size, String(to * MiB));
    // What kubelet does once the controller side has grown the volume.
    await callCsi(
      csi.node,
      'NodeExpandVolume',
      {
        volumeId: vol,
        volumePath: targetOf(vol),
        stagingTargetPath: stagingOf(vol),
        capacityRange: { requiredBytes: String(to * MiB), limitBytes: '0' },
        volumeCapability: mountCapability(fsType),
      },
      120_000,
    );
    const fsAfter = (await mounted(targetOf(vol))).sizeBytes;
    assert.ok(fsAfter > fsBefore + (to - from - 32) * MiB, `the ${fsType} file system grew while mounted: ${fsBefore} → ${fsAfter}`);
    // kubectl get lv shows both: the LV's capacity and, once the node grew it, the file system's.
    await statusShowsFilesystem(() => volume(vol), { type: fsType, bytes: fsAfter, node: node.name }, 30_000);
    assert.is(await checksum(`${targetOf(vol)}/data`), before);
    await node.sh(`head -c ${Math.floor((to - from) * MiB * 0.8)} /dev/zero > ${targetOf(vol)}/more && sync`, 120_000);
  });
}

it('thin pool: thin volumes beyond the physical size up to the overcommit limit, and a refusal past it that creates nothing', async () => {
  // The SCSI SSD (2 GiB): the thin pool takes 90 % of it; 200 % overcommit allows ~3.6 GiB of volumes.
  await createPool(thinPool, { mediaClass: 'ssd', thin: true, thinOvercommitPercent: 200 });
  const thinLv = (await lvs()).find((l) => l.vg_name.endsWith(thinPool) && l.lv_layout.includes('pool'));
  assert.ok(thinLv, 'a thin-pool LV in the VG');
  const physical = BigInt(thinLv.lv_size);
  const limit = physical * 2n;
  const status = await waitFor('pool status with allocatable', () => poolOnNode(thinPool), 30_000, 500);
  assert.is(parseQuantity(status.allocatable!), limit, `allocatable = 200 % of the thin pool (${physical} bytes)`);

  await createVolume('lab-thin-1', thinPool, '1500Mi');
  await createVolume('lab-thin-2', thinPool, '1500Mi');
  await readyVolume('lab-thin-1');
  await readyVolume('lab-thin-2');
  for (const v of ['lab-thin-1', 'lab-thin-2']) {
    const lv = await lvOf(v);
    assert.ok(lv?.lv_layout.includes('thin'), `${v} is a thin LV`);
    await node.sh(`test -b ${lv!.lv_path}`);
  }
  assert.ok(3000n * BigInt(MiB) > physical, 'the two volumes together are larger than the thin pool');
  await waitFor(
    'allocatable to drop by the two volumes',
    async () => parseQuantity((await poolOnNode(thinPool))?.allocatable ?? '0') === limit - 3000n * BigInt(MiB),
    60_000,
    500,
  );

  await createVolume('lab-thin-3', thinPool, '1Gi');
  const refused = await waitFor(
    'lab-thin-3 refused',
    async () => {
      const v = await volume('lab-thin-3');
      const c = v?.status?.conditions?.find((x) => x.reason === 'InsufficientCapacity');
      return c ? v : undefined;
    },
    60_000,
    500,
  );
  assert.is.not(refused.status?.phase, 'Ready');
  assert.not.ok(await lvOf('lab-thin-3'), 'no LV was created');
  const replicas = (await cluster.list<{ spec: { volume: string } } & { metadata: { name: string } }>(VOLUME_REPLICAS)).filter(
    (r) => r.spec.volume === 'lab-thin-3',
  );
  assert.is(replicas.length, 0, 'no replica was placed');
});

it('disk hot-plug: a disk added by QMP becomes a LocalDisk and the pool grows; an unplugged one goes Missing with an Event, nothing else changes', async () => {
  const before = parseQuantity((await poolOnNode(hddPool))!.total!);
  await node.hotplug({ id: 'hot1', bus: 'virtio', sizeBytes: GiB, serial: 'HOT-1' });
  const hot = await waitFor(
    'LocalDisk for HOT-1 in the pool',
    async () => {
      const d = (await nodeDisks()).find((x) => x.status?.identity?.serial === 'HOT-1');
      return d?.status?.pool === hddPool ? d : undefined;
    },
    120_000,
    500,
  );
  assert.is(hot.status!.state, 'InUse');
  const grown = await waitFor(
    'pool total to grow by ~1 GiB',
    async () => {
      const total = parseQuantity((await poolOnNode(hddPool))?.total ?? '0');
      return total > before + BigInt(GiB) - 64n * BigInt(MiB) ? total : undefined;
    },
    120_000,
    500,
  );
  assert.ok(grown <= before + BigInt(GiB));

  // Larger than the pool's maxSize: it stays Available, outside every pool.
  await node.hotplug({ id: 'hot2', bus: 'scsi', sizeBytes: 4 * GiB, serial: 'HOT-2', wwn: '0x5000c500a1b2c3f2' });
  const spare = await waitFor(
    'LocalDisk for HOT-2 Available',
    async () => {
      const d = (await nodeDisks()).find((x) => x.status?.identity?.wwn === '0x5000c500a1b2c3f2');
      return d?.status?.state === 'Available' ? d : undefined;
    },
    120_000,
    500,
  );
  const snapshot = async () => ({
    disks: (await nodeDisks())
      .filter((d) => d.metadata.name !== spare.metadata.name)
      .map((d) => [d.metadata.name, d.status?.state, d.status?.pool])
      .sort(),
    pools: await Promise.all(
      [hddPool, thinPool].map(async (p) => {
        const s = await poolOnNode(p);
        return [s?.ready, s?.disks, s?.total];
      }),
    ),
    lvs: (await lvs()).map((l) => `${l.vg_name}/${l.lv_name}:${l.lv_size}`).sort(),
  });
  const unchanged = await snapshot();

  await node.unplug('hot2');
  await waitFor(
    'HOT-2 Missing',
    async () => (await cluster.get<LocalDisk>(LOCAL_DISKS, spare.metadata.name!))?.status?.state === 'Missing',
    60_000,
    500,
  );
  // Events of cluster-scoped objects go to the default namespace.
  const event = await waitFor(
    'a DiskMissing event',
    async () => (await cluster.clusterEventsAbout(spare.metadata.name!)).find((e) => e.reason === 'DiskMissing'),
    60_000,
    500,
  );
  assert.is(event.type, 'Warning');
  assert.equal(await snapshot(), unchanged);
});

it('a disk unplugged under a volume: the replica and the volume are Lost (DiskMissing) with the disk named', async () => {
  // 4 GiB: above the hdd pool's maxSize, so only this test's pool takes it.
  await node.hotplug({ id: 'hot3', bus: 'virtio', sizeBytes: 4 * GiB, serial: 'HOT-3' });
  const disk = await waitFor(
    'LocalDisk for HOT-3 Available',
    async () => (await nodeDisks()).find((x) => x.status?.identity?.serial === 'HOT-3' && x.status.state === 'Available'),
    120_000,
    500,
  );
  const unplugPool = `${node.name}-unplug`;
  await createPool(unplugPool, { mediaClass: 'hdd', diskSelector: { minSize: '3500Mi' } });
  await createVolume('lab-unplugged', unplugPool, '64Mi');
  await readyVolume('lab-unplugged');
  await node.unplug('hot3');
  const lost = await lostWith('lab-unplugged', 'DiskMissing');
  assert.match(lost.status!.conditions!.find((c) => c.type === 'Ready')!.message, `missing from the node: disk ${disk.metadata.name} (`);
  await cluster.client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, 'lab-unplugged'));
  await waitFor('lab-unplugged deleted', async () => !(await volume('lab-unplugged')), 120_000, 500);
});

it('node loss: a hard-killed VM turns its volume Lost (NodeLost) past the grace period, boots again with the same disks and data, and the volume is Ready again', async () => {
  const vm = lab.nodes[1]!;
  // The VM's SCSI SSD holds a pool and a volume; its virtio disk takes raw data.
  await createPool(`${vm.name}-ssd`, { mediaClass: 'ssd' }, vm);
  await createVolume('lab-vol-lost', `${vm.name}-ssd`, '64Mi', undefined, vm);
  await readyVolume('lab-vol-lost');
  const sum = await vm.sh(
    'head -c 8M /dev/urandom > /tmp/blob && dd if=/tmp/blob of=/dev/vdb bs=1M oflag=direct status=none && sha256sum < /tmp/blob',
  );
  await vm.kill();
  assert.not.ok(vm.running);
  const lost = await lostWith('lab-vol-lost', 'NodeLost');
  assert.match(lost.status!.conditions!.find((c) => c.type === 'Ready')!.message, `the agent on node ${vm.name} has not answered since`);
  await vm.boot();
  assert.is(await vm.sh('head -c 8M /dev/vdb | sha256sum'), sum);
  await vm.startAgent();
  await readyVolume('lab-vol-lost', 180_000);
});

it('a Node deleted for good: its volume is Lost (NodeDeleted), no LocalDisk or VolumeReplica of it remains, deleting the volume needs no annotation', async () => {
  const vm = lab.nodes[1]!;
  await vm.kill();
  await cluster.removeNode(vm);
  await lostWith('lab-vol-lost', 'NodeDeleted');
  const ofNode = async () => ({
    disks: (await cluster.localDisks<LocalDisk>()).filter((d) => d.spec.nodeName === vm.name).length,
    replicas: (await cluster.list<VolumeReplica>(VOLUME_REPLICAS)).filter((r) => r.spec.node === vm.name).length,
  });
  await waitFor(`no LocalDisk of ${vm.name} left`, async () => (await ofNode()).disks === 0, 60_000, 500);
  await cluster.client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, 'lab-vol-lost'));
  await waitFor('lab-vol-lost deleted', async () => !(await volume('lab-vol-lost')), 120_000, 500);
  assert.equal(await ofNode(), { disks: 0, replicas: 0 });
});

it.run();
