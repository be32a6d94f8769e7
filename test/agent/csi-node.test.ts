// The agent's CSI Node service against a real agent on loop devices (a `backend: disk` pool, so
// the volume is a real block device): identity, info, stage (format + mount), publish (bind,
// read-only, block), stats, expand, unpublish/unstage — each repeated to prove idempotency —
// and the refusals with their CSI codes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { CSI_DRIVER_NAME, TOPOLOGY_KEY } from '../../src/common/constants.ts';
import { run } from '../../src/common/exec.ts';
import { findMount } from '../../src/agent/fs/mount-table.ts';
import { callCsi, connectCsi, type CsiClients } from '../../src/csi/client.ts';
import { AgentHarness, callAgent, type TestAgent } from '../helpers/agent-harness.ts';
import { cleanupAll, unmountAll } from '../helpers/cleanup.ts';

const t = suite('agent: CSI node service');
const MiB = 1024 * 1024;
let h: AgentHarness;
let a: TestAgent;
let csi: CsiClients;
let dir: string;
const VOL = 'pvc-csi-node-1';
const BLOCK = 'pvc-csi-node-2';
const mountCap = { accessMode: { mode: 'SINGLE_NODE_WRITER' as const }, mount: { fsType: 'xfs', mountFlags: [] } };
const blockCap = { accessMode: { mode: 'SINGLE_NODE_WRITER' as const }, block: {} };
const paths = () => ({
  staging: path.join(dir, 'staging'),
  target: path.join(dir, 'target'),
  ro: path.join(dir, 'ro'),
  blockStaging: path.join(dir, 'bstaging'),
  blockTarget: path.join(dir, 'pods', 'dev'),
});

/** What ListVolumes says of the volume's mounted filesystem (null: nothing mounted from it here). */
async function listedFilesystem(id: string) {
  const { volumes } = await callAgent(a.client, 'ListVolumes', {});
  return volumes.find((v) => v.id === id)!.filesystem;
}

async function rejects(p: Promise<unknown>, code: status, text: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: { code: status; details: string }) => e,
  );
  assert.ok(err, 'expected a refusal');
  assert.is(err.code, code, err.details);
  assert.match(err.details, text);
}

t.before(async () => {
  h = await AgentHarness.start({ agents: 1, loopsPerAgent: 2, loopSizeBytes: 512 * MiB });
  a = h.agents[0]!;
  dir = await mkdtemp(path.join(tmpdir(), 'stratum-csi-node-'));
  csi = connectCsi(a.csiEndpoint);
  const { disks } = await callAgent(a.client, 'ListDisks', {});
  await callAgent(a.client, 'EnsurePool', { name: 'whole', backend: 'POOL_BACKEND_DISK', disks: disks.map((d) => d.id) });
  await callAgent(a.client, 'CreateVolume', { volumeId: VOL, pool: 'whole', sizeBytes: 64 * MiB });
  await callAgent(a.client, 'CreateVolume', { volumeId: BLOCK, pool: 'whole', sizeBytes: 64 * MiB });
});

t.after(async () => {
  const p = dir ? paths() : undefined;
  await cleanupAll('agent/csi-node cleanup', [
    ...(p ? [p.ro, p.target, p.staging, p.blockTarget] : []).map((m) => () => unmountAll(m)),
    async () => csi?.close(),
    async () => h?.cleanup(),
    async () => dir && rm(dir, { recursive: true, force: true }),
  ]);
});

t('identity: name, capabilities, Probe ready', async () => {
  const info = await callCsi(csi.identity, 'GetPluginInfo', {});
  assert.is(info.name, CSI_DRIVER_NAME);
  assert.ok(info.vendorVersion);
  const caps = await callCsi(csi.identity, 'GetPluginCapabilities', {});
  assert.equal(
    caps.capabilities.map((c) => c.service?.type ?? c.volumeExpansion?.type),
    ['CONTROLLER_SERVICE', 'VOLUME_ACCESSIBILITY_CONSTRAINTS', 'ONLINE'],
  );
  assert.is((await callCsi(csi.identity, 'Probe', {})).ready?.value, true);
});

t('NodeGetInfo: node id, topology, capabilities', async () => {
  const info = await callCsi(csi.node, 'NodeGetInfo', {});
  assert.is(info.nodeId, a.name);
  assert.equal(info.accessibleTopology?.segments, { [TOPOLOGY_KEY]: a.name });
  const caps = await callCsi(csi.node, 'NodeGetCapabilities', {});
  assert.equal(caps.capabilities.map((c) => c.rpc?.type).sort(), [
    'EXPAND_VOLUME',
    'GET_VOLUME_STATS',
    'STAGE_UNSTAGE_VOLUME',
    'VOLUME_CONDITION',
  ]);
});

t('stage formats and mounts; publish binds; data reads back; repeats are no-ops', async () => {
  const p = paths();
  const stage = { volumeId: VOL, stagingTargetPath: p.staging, volumeCapability: mountCap, volumeContext: {} };
  await callCsi(csi.node, 'NodeStageVolume', stage, 120_000);
  await callCsi(csi.node, 'NodeStageVolume', stage, 120_000);
  const staged = await findMount(p.staging);
  assert.is(staged?.fsType, 'xfs');
  const publish = { volumeId: VOL, stagingTargetPath: p.staging, targetPath: p.target, volumeCapability: mountCap, readonly: false };
  await callCsi(csi.node, 'NodePublishVolume', publish);
  await callCsi(csi.node, 'NodePublishVolume', publish);
  await writeFile(path.join(p.target, 'hello.txt'), 'stratum');
  assert.is(await readFile(path.join(p.staging, 'hello.txt'), 'utf8'), 'stratum', 'same filesystem');
  await callCsi(csi.node, 'NodePublishVolume', { ...publish, targetPath: p.ro, readonly: true });
  assert.ok((await findMount(p.ro))?.vfsOptions.includes('ro'), 'read-only bind');
  const err = await writeFile(path.join(p.ro, 'x'), 'no').then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e.code,
  );
  assert.is(err, 'EROFS');
});

t('stats: bytes and inodes of the mounted filesystem, healthy condition', async () => {
  const res = await callCsi(csi.node, 'NodeGetVolumeStats', { volumeId: VOL, volumePath: paths().target });
  const bytes = res.usage.find((u) => u.unit === 'BYTES')!;
  const inodes = res.usage.find((u) => u.unit === 'INODES')!;
  assert.ok(Number(bytes.total) > 100 * MiB, 'the whole 512 MiB disk');
  assert.ok(Number(bytes.used) > 0 && Number(bytes.available) > 0);
  assert.ok(Number(inodes.total) > 0 && Number(inodes.used) > 0);
  assert.equal(res.volumeCondition, { abnormal: false, message: 'healthy' });
  assert.equal(await listedFilesystem(VOL), { type: 'xfs', sizeBytes: bytes.total }, 'ListVolumes reports the staged filesystem');
  assert.is(await listedFilesystem(BLOCK), null, 'nothing mounted from the other volume');
  await rejects(
    callCsi(csi.node, 'NodeGetVolumeStats', { volumeId: VOL, volumePath: path.join(dir, 'nowhere') }),
    status.NOT_FOUND,
    /does not exist/,
  );
});

// xfs: this machine's root lacks CAP_SYS_RESOURCE, which online ext4 resize needs (docs/agent-dataplane.md).
t('expand: a grown disk grows the mounted xfs filesystem online', async () => {
  const p = paths();
  const before = Number((await callCsi(csi.node, 'NodeGetVolumeStats', { volumeId: VOL, volumePath: p.target })).usage[0]!.total);
  const { volumes } = await callAgent(a.client, 'ListVolumes', {});
  const device = volumes.find((v) => v.id === VOL)!.devicePath;
  const loop = a.attached.find((l) => l.device === device)!;
  // The disk itself grows (as a cloud disk would): larger backing file, loop re-reads its size.
  await run('truncate', ['-s', String(768 * MiB), loop.file]);
  await run('losetup', ['-c', device]);
  const res = await callCsi(
    csi.node,
    'NodeExpandVolume',
    { volumeId: VOL, volumePath: p.target, capacityRange: { requiredBytes: String(700 * MiB) } },
    120_000,
  );
  assert.ok(Number(res.capacityBytes) > before, `${res.capacityBytes} > ${before}`);
  const after = Number((await callCsi(csi.node, 'NodeGetVolumeStats', { volumeId: VOL, volumePath: p.target })).usage[0]!.total);
  assert.ok(after > 700 * MiB, `filesystem now ${after}`);
  assert.equal(await listedFilesystem(VOL), { type: 'xfs', sizeBytes: String(after) }, 'ListVolumes reports the grown filesystem');
  assert.is(await readFile(path.join(p.target, 'hello.txt'), 'utf8'), 'stratum', 'data survives');
  await callCsi(
    csi.node,
    'NodeExpandVolume',
    { volumeId: VOL, volumePath: p.target, capacityRange: { requiredBytes: String(700 * MiB) } },
    120_000,
  );
});

t('block: publish binds the device node onto a file; stats report its size', async () => {
  const p = paths();
  await callCsi(csi.node, 'NodeStageVolume', {
    volumeId: BLOCK,
    stagingTargetPath: p.blockStaging,
    volumeCapability: blockCap,
    volumeContext: {},
  });
  const publish = {
    volumeId: BLOCK,
    stagingTargetPath: p.blockStaging,
    targetPath: p.blockTarget,
    volumeCapability: blockCap,
    readonly: false,
  };
  await callCsi(csi.node, 'NodePublishVolume', publish);
  await callCsi(csi.node, 'NodePublishVolume', publish);
  assert.ok((await stat(p.blockTarget)).isBlockDevice());
  const res = await callCsi(csi.node, 'NodeGetVolumeStats', { volumeId: BLOCK, volumePath: p.blockTarget });
  assert.is(res.usage[0]!.total, String(512 * MiB));
  await callCsi(csi.node, 'NodeUnpublishVolume', { volumeId: BLOCK, targetPath: p.blockTarget });
  await callCsi(csi.node, 'NodeUnpublishVolume', { volumeId: BLOCK, targetPath: p.blockTarget });
  assert.is(await stat(p.blockTarget).catch(() => undefined), undefined, 'target file removed');
});

t('refusals carry the CSI codes', async () => {
  const p = paths();
  // NodeStageVolume of the test volume at p.staging, with one thing changed.
  const stageWith = (over: Record<string, unknown>) =>
    callCsi(csi.node, 'NodeStageVolume', { volumeId: VOL, stagingTargetPath: p.staging, volumeCapability: mountCap, ...over });
  await rejects(stageWith({ volumeId: '' }), status.INVALID_ARGUMENT, /volume_id is required/);
  await rejects(stageWith({ stagingTargetPath: '' }), status.INVALID_ARGUMENT, /staging_target_path/);
  await rejects(stageWith({ volumeCapability: undefined }), status.INVALID_ARGUMENT, /volume_capability is required/);
  await rejects(
    stageWith({ volumeCapability: { ...mountCap, accessMode: { mode: 'MULTI_NODE_MULTI_WRITER' } } }),
    status.INVALID_ARGUMENT,
    /one node/,
  );
  await rejects(stageWith({ volumeId: 'pvc-missing' }), status.NOT_FOUND, /pvc-missing does not exist on node node-a/);
  await rejects(
    callCsi(csi.node, 'NodePublishVolume', {
      volumeId: BLOCK,
      stagingTargetPath: p.blockStaging,
      targetPath: path.join(dir, 't2'),
      volumeCapability: mountCap,
    }),
    status.FAILED_PRECONDITION,
    /not staged/,
  );
  await rejects(
    stageWith({ volumeCapability: { ...mountCap, mount: { fsType: 'ext4' } } }),
    status.ALREADY_EXISTS,
    /already staged at .* with xfs, not ext4/,
  );
});

t('unpublish and unstage: unmounted, targets removed, repeats are no-ops', async () => {
  const p = paths();
  for (const target of [p.ro, p.target]) {
    await callCsi(csi.node, 'NodeUnpublishVolume', { volumeId: VOL, targetPath: target });
    await callCsi(csi.node, 'NodeUnpublishVolume', { volumeId: VOL, targetPath: target });
    assert.is(await stat(target).catch(() => undefined), undefined);
  }
  await callCsi(csi.node, 'NodeUnstageVolume', { volumeId: VOL, stagingTargetPath: p.staging });
  await callCsi(csi.node, 'NodeUnstageVolume', { volumeId: VOL, stagingTargetPath: p.staging });
  assert.is(await findMount(p.staging), undefined);
  assert.is(await listedFilesystem(VOL), null, 'no filesystem reported once unstaged');
});

t.run();
