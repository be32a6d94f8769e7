// Pools of a real agent over gRPC: LVM pools whose capacity matches `vgs`, idempotent ensure,
// growth by vgextend, refusal of used disks, a restart that remembers pools, delete rules; and
// whole-disk pools whose volumes claim a loop device and are wiped on delete.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { run } from '../../src/common/exec.ts';
import type { Pool__Output } from '../../src/agent-api/generated/stratum/agent/v1/Pool.ts';
import type { EnsurePoolResponse__Output } from '../../src/agent-api/generated/stratum/agent/v1/EnsurePoolResponse.ts';
import { reasonOf } from '../../src/agent-api/errors.ts';
import { type AgentHarness, callAgent, type TestAgent, withAgentHarness, refused } from '../helpers/agent-harness.ts';
import type { LoopDevice } from '../helpers/loopdev.ts';
import { unmountAll } from '../helpers/cleanup.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const t = suite('agent pools');

let h: AgentHarness | undefined;
let a: TestAgent;

withAgentHarness(t, { agents: 1, loopsPerAgent: 3, loopSizeBytes: GiB }, (harness) => {
  h = harness;
  a = h.agents[0]!;
});

async function diskId(loop: LoopDevice): Promise<string> {
  const { disks } = await callAgent(a.client, 'ListDisks', {});
  return disks.find((d) => d.devicePath === loop.device)!.id;
}

async function vgs(vg: string): Promise<Record<string, string> | undefined> {
  const rows = await a.lvmReport('vgs', 'vg_name,vg_size,vg_free,vg_extent_size,pv_count,vg_seqno');
  return rows.find((v) => v.vg_name === vg);
}

function assertMatchesVgs(pool: Pool__Output, vg: Record<string, string>): void {
  assert.is(pool.totalBytes, vg.vg_size);
  assert.is(pool.freeBytes, vg.vg_free);
  assert.is(pool.allocatableBytes, vg.vg_free);
  assert.is(pool.extentSizeBytes, vg.vg_extent_size);
}

t('EnsurePool (lvm) builds a VG; capacity matches vgs; repeating it changes nothing', async () => {
  const [l0] = a.attached as [LoopDevice];
  const res = await callAgent(a.client, 'EnsurePool', { name: 'fast', backend: 'POOL_BACKEND_LVM', disks: [l0.device] });
  assert.ok(res.changed);
  assert.is(res.pool!.vgName, 'stratum-fast');
  assert.equal(res.pool!.disks, [`loop:${l0.file}`]);
  const vg = (await vgs('stratum-fast'))!;
  assert.ok(vg, 'VG exists');
  assertMatchesVgs(res.pool!, vg);
  const again = await callAgent(a.client, 'EnsurePool', { name: 'fast', backend: 'POOL_BACKEND_LVM', disks: [`loop:${l0.file}`] });
  assert.is(again.changed, false);
  assert.is((await vgs('stratum-fast'))!.vg_seqno, vg.vg_seqno, 'VG metadata untouched');
  const { disks } = await callAgent(a.client, 'ListDisks', {});
  const d = disks.find((x) => x.devicePath === l0.device)!;
  assert.is(d.pool, 'fast');
  assert.is(d.state, 'DISK_STATE_IN_USE');
});

t('ensuring an unchanged pool scans no disk and changes nothing: one report (vgs)', async () => {
  const [l0] = a.attached as [LoopDevice];
  let res: EnsurePoolResponse__Output | undefined;
  const ran = await a.commandsDuring(async () => {
    res = await callAgent(a.client, 'EnsurePool', { name: 'fast', backend: 'POOL_BACKEND_LVM', disks: [l0.device] });
  });
  assert.equal(ran, ['vgs×1'], 'no lsblk or wipefs, no pvs');
  assert.is(res!.changed, false);
  assertMatchesVgs(res!.pool!, (await vgs('stratum-fast'))!);
  // Asked as another kind of pool, it is refused as before: the full path judges it.
  const other = await refused(
    callAgent(a.client, 'EnsurePool', { name: 'fast', backend: 'POOL_BACKEND_LVM', thin: true, disks: [l0.device] }),
  );
  assert.is(other.code, status.FAILED_PRECONDITION);
  assert.match(other.details, /cannot change/);
});

t('adding a disk extends the VG (vgextend); ListPools matches vgs', async () => {
  const [l0, l1] = a.attached as [LoopDevice, LoopDevice];
  const res = await callAgent(a.client, 'EnsurePool', { name: 'fast', backend: 'POOL_BACKEND_LVM', disks: [l0.device, l1.device] });
  assert.ok(res.changed);
  const vg = (await vgs('stratum-fast'))!;
  assert.is(vg.pv_count, '2');
  const { pools } = await callAgent(a.client, 'ListPools', {});
  assert.is(pools.length, 1);
  assertMatchesVgs(pools[0]!, vg);
  assert.ok(BigInt(pools[0]!.totalBytes) > BigInt(GiB), 'two disks');
});

t('a disk with a filesystem is refused unless allow_used; a disk of another pool always', async () => {
  const [l0, , l2] = a.attached as [LoopDevice, LoopDevice, LoopDevice];
  await run('mkfs.ext4', ['-q', '-F', l2.device]);
  const before = (await vgs('stratum-fast'))!.vg_seqno;
  const used = await refused(callAgent(a.client, 'EnsurePool', { name: 'fast', backend: 'POOL_BACKEND_LVM', disks: [l2.device] }));
  assert.is(used.code, status.FAILED_PRECONDITION);
  assert.match(
    used.details,
    new RegExp(`disk loop:${l2.file} \\(${l2.device}\\) on node node-a is not blank \\(signature:ext4\\); set allow_used`),
  );
  const other = await refused(callAgent(a.client, 'EnsurePool', { name: 'other', backend: 'POOL_BACKEND_LVM', disks: [l0.device] }));
  assert.is(other.code, status.FAILED_PRECONDITION);
  assert.match(other.details, /belongs to pool fast/);
  assert.equal([reasonOf(used), reasonOf(other)], ['DiskNotUsable', 'DiskNotUsable']);
  assert.is((await vgs('stratum-fast'))!.vg_seqno, before, 'nothing changed');
  assert.is(await vgs('stratum-other'), undefined);
  assert.match((await run('wipefs', ['--no-act', '--json', l2.device])).stdout, /ext4/, 'the filesystem is still there');

  const taken = await callAgent(a.client, 'EnsurePool', { name: 'fast', backend: 'POOL_BACKEND_LVM', disks: [l2.device], allowUsed: true });
  assert.ok(taken.changed);
  assert.is((await vgs('stratum-fast'))!.pv_count, '3');
  assert.not.match((await run('wipefs', ['--no-act', '--json', l2.device])).stdout, /ext4/);
});

t('a restarted agent knows its pools (state dir) with the same capacity', async () => {
  const { pools: before } = await callAgent(a.client, 'ListPools', {});
  assert.is(await a.stop(), 0, 'clean exit on SIGTERM');
  await a.start();
  const { pools: after } = await callAgent(a.client, 'ListPools', {});
  assert.equal(after, before);
  const { disks } = await callAgent(a.client, 'ListDisks', {});
  assert.is(disks.filter((d) => d.pool === 'fast').length, 3);
});

t('DeletePool refuses while volumes exist, then removes VG and PVs; again is a no-op', async () => {
  await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-1', pool: 'fast', sizeBytes: 16 * MiB });
  const err = await refused(callAgent(a.client, 'DeletePool', { name: 'fast' }));
  assert.is(err.code, status.FAILED_PRECONDITION);
  assert.match(err.details, /pool fast on node node-a still holds 1 volume\(s\): pvc-1/);
  assert.ok(await vgs('stratum-fast'));
  await callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-1', pool: 'fast' });
  assert.ok((await callAgent(a.client, 'DeletePool', { name: 'fast' })).deleted);
  assert.is(await vgs('stratum-fast'), undefined);
  const pvs = await a.lvm('pvs', ['--noheadings', '-o', 'pv_name']);
  assert.is(pvs.trim(), '', 'PV labels removed');
  assert.is((await callAgent(a.client, 'DeletePool', { name: 'fast' })).deleted, false);
  const { disks } = await callAgent(a.client, 'ListDisks', {});
  assert.ok(
    disks.every((d) => d.state === 'DISK_STATE_AVAILABLE'),
    JSON.stringify(disks.map((d) => [d.devicePath, d.inUseReasons])),
  );
});

t('disk backend: a volume claims the smallest disk that fits; format, mount, refuse delete while mounted, wipe on delete', async () => {
  const [l0] = a.attached as [LoopDevice];
  const small = await a.addLoop(512 * MiB);
  const res = await callAgent(a.client, 'EnsurePool', {
    name: 'whole',
    backend: 'POOL_BACKEND_DISK',
    disks: [await diskId(l0), small.device],
  });
  assert.is(res.pool!.totalBytes, String(GiB + 512 * MiB));
  assert.is(res.pool!.allocatableBytes, String(GiB));

  const tooBig = await refused(callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-huge', pool: 'whole', sizeBytes: 2 * GiB }));
  assert.is(tooBig.code, status.RESOURCE_EXHAUSTED);
  assert.match(tooBig.details, /disk pool whole on node node-a has no free disk of at least/);

  const vol = await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-d', pool: 'whole', sizeBytes: 300 * MiB });
  assert.ok(vol.created);
  assert.is(vol.volume!.devicePath, small.device, 'smallest disk that fits');
  assert.is(vol.volume!.sizeBytes, String(512 * MiB));
  assert.ok(vol.volume!.devicePresent);
  assert.is((await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-d', pool: 'whole', sizeBytes: 300 * MiB })).created, false);
  const other = await refused(callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-d', pool: 'whole', sizeBytes: 400 * MiB }));
  assert.is(other.code, status.ALREADY_EXISTS);
  const { pools } = await callAgent(a.client, 'ListPools', {});
  assert.is(pools.find((p) => p.name === 'whole')!.freeBytes, String(GiB));

  const mnt = await mkdtemp(path.join(tmpdir(), 'stratum-mnt-'));
  try {
    await run('mkfs.ext4', ['-q', '-F', small.device]);
    await run('mount', [small.device, mnt]);
    const busy = await refused(callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-d' }));
    assert.is(busy.code, status.FAILED_PRECONDITION);
    assert.match(busy.details, new RegExp(`volume pvc-d \\(disk ${small.device}\\) on node node-a is mounted at ${mnt}`));
    await run('umount', [mnt]);
  } finally {
    await unmountAll(mnt);
    await rm(mnt, { recursive: true, force: true });
  }
  assert.ok((await callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-d' })).deleted);
  assert.not.match((await run('wipefs', ['--no-act', '--json', small.device])).stdout, /ext4/, 'signatures wiped');
  assert.is((await callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-d' })).deleted, false);
  assert.ok((await callAgent(a.client, 'DeletePool', { name: 'whole' })).deleted);
});

t('a mounted disk is refused even with allow_used, and left as it was', async () => {
  const [, l1] = a.attached as [LoopDevice, LoopDevice];
  const mnt = await mkdtemp(path.join(tmpdir(), 'stratum-mnt-'));
  try {
    await run('mkfs.ext4', ['-q', '-F', l1.device]);
    await run('mount', [l1.device, mnt]);
    const err = await refused(
      callAgent(a.client, 'EnsurePool', { name: 'busy', backend: 'POOL_BACKEND_LVM', disks: [l1.device], allowUsed: true }),
    );
    assert.is(err.code, status.FAILED_PRECONDITION);
    assert.match(
      err.details,
      new RegExp(`disk loop:${l1.file} \\(${l1.device}\\) on node node-a is in use \\(signature:ext4, mount:${mnt}\\)`),
    );
    assert.match((await run('wipefs', ['--no-act', '--json', l1.device])).stdout, /ext4/);
    assert.is(await vgs('stratum-busy'), undefined);
  } finally {
    await unmountAll(mnt);
    await rm(mnt, { recursive: true, force: true });
  }
});

t.run();
