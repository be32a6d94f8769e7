// CSI-node filesystem building blocks on real loop devices: format only when blank, mount,
// bind/block publish, read-only remount, grow, stats, unmount — and every repeat call a no-op.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../src/common/exec.ts';
import { LoopDevices, type LoopDevice } from '../helpers/loopdev.ts';
import { formatIfBlank } from '../../src/agent/fs/format.ts';
import { probeSignature } from '../../src/agent/fs/probe.ts';
import { bindMount, mountFilesystem, unmount } from '../../src/agent/fs/mount.ts';
import { blockDeviceSize, publishBlockDevice } from '../../src/agent/fs/block.ts';
import { growFilesystem, type GrowResult } from '../../src/agent/fs/grow.ts';
import { volumeStats } from '../../src/agent/fs/stats.ts';
import { findMount } from '../../src/agent/fs/mount-table.ts';
import { FsError } from '../../src/agent/fs/errors.ts';
import type { FsType } from '../../src/agent/fs/types.ts';
import { cleanupAll, unmountAll } from '../helpers/cleanup.ts';

const MiB = 1024 * 1024;
// mkfs.xfs (xfsprogs >= 5.19) refuses filesystems under 300 MB; sparse files cost nothing.
const SIZE = 400 * MiB;
const GROWN = 800 * MiB;
/** CAP_SYS_RESOURCE (bit 24) in this process's effective set: ext4's online-resize ioctl needs it. */
const CAN_RESIZE_EXT4_ONLINE = (() => {
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0';
  return (BigInt(`0x${capEff}`) & (1n << 24n)) !== 0n;
})();

interface Ctx {
  loops: LoopDevices;
  dir: string;
  /** Every mount target a test made, unmounted in reverse order afterwards. */
  targets: string[];
}

const fs = suite<Ctx>('agent/fs');

fs.before(async (ctx) => {
  ctx.loops = new LoopDevices();
  ctx.dir = await mkdtemp(path.join(tmpdir(), 'stratum-fs-'));
  ctx.targets = [];
});

fs.after(async (ctx) => {
  // Stacked mounts are possible after a failed assertion: unmountAll removes them all, or throws.
  await cleanupAll('agent/fs cleanup', [
    ...ctx.targets.reverse().map((t) => () => unmountAll(t)),
    () => ctx.loops.cleanup(),
    () => rm(ctx.dir, { recursive: true, force: true }),
  ]);
});

function target(ctx: Ctx, name: string): string {
  const t = path.join(ctx.dir, name);
  ctx.targets.push(t);
  return t;
}

async function refusal(p: Promise<unknown>): Promise<FsError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FsError) return err;
    throw err;
  }
  throw new Error('expected a refusal, got success');
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** A one-entry MBR (Linux partition from sector 2048), written into the backing file: no fdisk needed. */
async function writeDosPartitionTable(file: string): Promise<void> {
  const mbr = Buffer.alloc(512);
  const entry = 446;
  mbr.writeUInt8(0x83, entry + 4);
  mbr.writeUInt32LE(2048, entry + 8);
  mbr.writeUInt32LE(100_000, entry + 12);
  mbr.writeUInt16LE(0xaa55, 510);
  const fh = await open(file, 'r+');
  try {
    await fh.write(mbr, 0, mbr.length, 0);
  } finally {
    await fh.close();
  }
}

async function growLoop(dev: LoopDevice, size: number): Promise<void> {
  await truncate(dev.file, size);
  await run('losetup', ['-c', dev.device]);
}

for (const fsType of ['ext4', 'xfs'] as const satisfies readonly FsType[]) {
  fs(`${fsType}: format, mount, write, grow, stats, unmount; repeats are no-ops`, async (ctx) => {
    const dev = await ctx.loops.create(`fs-${fsType}`, SIZE);
    const mnt = target(ctx, `mnt-${fsType}`);

    assert.is((await formatIfBlank(dev.device, fsType)).formatted, true);
    assert.is((await probeSignature(dev.device))?.type, fsType);
    assert.is((await formatIfBlank(dev.device, fsType)).formatted, false, 'second format is a no-op');

    assert.is((await mountFilesystem(dev.device, mnt, fsType)).changed, true);
    assert.is((await mountFilesystem(dev.device, mnt, fsType)).changed, false, 'second mount is a no-op');
    assert.is((await findMount(mnt))?.source, dev.device);

    const data = randomBytes(8 * MiB);
    const file = path.join(mnt, 'data.bin');
    await writeFile(file, data, { flush: true });
    const written = createHash('sha256').update(data).digest('hex');

    const before = await volumeStats(mnt);
    assert.ok(before.totalBytes > 300 * MiB && before.totalBytes <= SIZE, `total ${before.totalBytes}`);
    assert.ok(before.usedBytes >= 8 * MiB, `used ${before.usedBytes} covers the 8 MiB file`);
    assert.ok(before.availableBytes > 0 && before.availableBytes <= before.totalBytes - before.usedBytes);
    assert.ok(before.totalInodes > 0 && before.usedInodes >= 1 && before.availableInodes > 0);
    assert.is(before.usedInodes + before.availableInodes, before.totalInodes);

    await growLoop(dev, GROWN);
    assert.is(await blockDeviceSize(dev.device), GROWN);
    let grown: GrowResult;
    if (fsType === 'xfs' || CAN_RESIZE_EXT4_ONLINE) {
      grown = await growFilesystem(dev.device, { mountpoint: mnt });
      assert.is((await growFilesystem(dev.device, { mountpoint: mnt })).grown, false, 'second grow is a no-op');
    } else {
      // This machine: the kernel refuses online ext4 resize without CAP_SYS_RESOURCE, so the
      // error must say so, and the offline path (unmounted, fsck first) must do the job.
      const online = await growFilesystem(dev.device, { mountpoint: mnt }).then(
        () => undefined,
        (e: Error) => e,
      );
      assert.match(online?.message ?? 'no error', 'Permission denied');
      await unmount(mnt);
      grown = await growFilesystem(dev.device);
      assert.is((await growFilesystem(dev.device)).grown, false, 'second grow is a no-op');
      await mountFilesystem(dev.device, mnt, fsType);
    }
    assert.is(grown.grown, true);
    assert.ok(grown.sizeBytes > before.totalBytes + 300 * MiB, `grew from ${before.totalBytes} to ${grown.sizeBytes}`);
    const after = await volumeStats(mnt);
    assert.ok(after.totalBytes > before.totalBytes + 300 * MiB && after.totalBytes <= GROWN, `statfs total ${after.totalBytes}`);
    assert.is(await sha256(file), written, 'data survives the grow');

    assert.is((await unmount(mnt)).changed, true);
    assert.is((await unmount(mnt)).changed, false, 'second unmount is a no-op');
    assert.is(await findMount(mnt), undefined);

    // Remount: the data is still there and the grown size stuck.
    await mountFilesystem(dev.device, mnt, fsType, { readOnly: true });
    assert.is(await sha256(file), written);
    assert.is((await volumeStats(mnt)).totalBytes, after.totalBytes);
    await unmount(mnt);
  });
}

fs('a device with a foreign signature is never formatted', async (ctx) => {
  const xfs = await ctx.loops.create('foreign-xfs', SIZE);
  await run('mkfs.xfs', ['-q', xfs.device]);
  const err = await refusal(formatIfBlank(xfs.device, 'ext4'));
  assert.is(err.reason, 'foreign-signature');
  assert.match(err.message, xfs.device);
  assert.match(err.message, 'xfs');
  assert.is((await probeSignature(xfs.device))?.type, 'xfs', 'the xfs signature is untouched');

  const swap = await ctx.loops.create('foreign-swap', 64 * MiB);
  await run('mkswap', [swap.device]);
  for (const fsType of ['ext4', 'xfs'] as const) {
    assert.is((await refusal(formatIfBlank(swap.device, fsType))).reason, 'foreign-signature');
  }
  assert.is((await probeSignature(swap.device))?.type, 'swap');

  const dos = await ctx.loops.create('foreign-dos', 64 * MiB);
  await writeDosPartitionTable(dos.file);
  const pt = await refusal(formatIfBlank(dos.device, 'ext4'));
  assert.is(pt.reason, 'foreign-signature');
  assert.match(pt.message, 'partition table');
});

fs('a device too small for xfs is refused with the numbers, left blank; ext4 fits', async (ctx) => {
  const small = await ctx.loops.create('small', 64 * MiB);
  const err = await refusal(formatIfBlank(small.device, 'xfs'));
  assert.is(err.reason, 'too-small');
  assert.match(err.message, `cannot make xfs on ${small.device}: it has ${64 * MiB} bytes, xfs needs at least ${300 * MiB}`);
  assert.is(await probeSignature(small.device), undefined, 'nothing written');
  assert.is((await formatIfBlank(small.device, 'ext4')).formatted, true);
});

fs('mounting another device on a used target is refused', async (ctx) => {
  const a = await ctx.loops.create('conflict-a', SIZE);
  const b = await ctx.loops.create('conflict-b', SIZE);
  const mnt = target(ctx, 'mnt-conflict');
  await formatIfBlank(a.device, 'ext4');
  await formatIfBlank(b.device, 'ext4');
  await mountFilesystem(a.device, mnt, 'ext4');
  const err = await refusal(mountFilesystem(b.device, mnt, 'ext4'));
  assert.is(err.reason, 'mount-conflict');
  assert.match(err.message, a.device);
  assert.is((await findMount(mnt))?.source, a.device, 'the first mount is untouched');
  assert.is(
    (await refusal(mountFilesystem(a.device, mnt, 'ext4', { readOnly: true }))).reason,
    'mount-conflict',
    'rw mount is not silently reported as ro',
  );
  await unmount(mnt);
});

fs('read-only bind mount leaves the source writable; repeats are no-ops', async (ctx) => {
  const dev = await ctx.loops.create('bind', SIZE);
  const staging = target(ctx, 'staging');
  const publish = target(ctx, 'publish');
  await formatIfBlank(dev.device, 'ext4');
  await mountFilesystem(dev.device, staging, 'ext4');
  await writeFile(path.join(staging, 'hello'), 'world');

  assert.is((await bindMount(staging, publish, { readOnly: true })).changed, true);
  assert.is((await bindMount(staging, publish, { readOnly: true })).changed, false, 'second bind is a no-op');
  assert.is(await readFile(path.join(publish, 'hello'), 'utf8'), 'world');
  const rofs = await writeFile(path.join(publish, 'x'), 'y').then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e.code,
  );
  assert.is(rofs, 'EROFS', 'the published path is read-only');
  await writeFile(path.join(staging, 'still-writable'), 'ok');
  assert.is((await refusal(bindMount(staging, publish))).reason, 'mount-conflict', 'a ro bind is not reported as rw');

  assert.is((await unmount(publish)).changed, true);
  assert.is((await unmount(staging)).changed, true);
});

fs('block publish binds the device node onto a file; repeat is a no-op', async (ctx) => {
  const dev = await ctx.loops.create('block', 64 * MiB);
  const file = target(ctx, path.join('pods', 'vol', 'dev'));
  assert.is((await publishBlockDevice(dev.device, file)).changed, true);
  assert.is((await publishBlockDevice(dev.device, file)).changed, false);
  const [published, source] = await Promise.all([stat(file), stat(dev.device)]);
  assert.ok(published.isBlockDevice());
  assert.is(published.rdev, source.rdev);
  assert.is(await blockDeviceSize(file), 64 * MiB);

  const other = await ctx.loops.create('block-other', 64 * MiB);
  assert.is((await refusal(publishBlockDevice(other.device, file))).reason, 'mount-conflict');
  assert.is((await refusal(publishBlockDevice(ctx.dir, path.join(ctx.dir, 'not-a-device')))).reason, 'invalid-argument');
  const missing = await refusal(publishBlockDevice('/dev/stratum-no-such-device', path.join(ctx.dir, 'missing')));
  assert.is(missing.reason, 'invalid-argument');
  assert.match(missing.message, '/dev/stratum-no-such-device does not exist');
  assert.is((await unmount(file)).changed, true);
});

fs('unmount of a non-mountpoint or missing path is a no-op; bad paths are refused', async (ctx) => {
  assert.is((await unmount(ctx.dir)).changed, false);
  assert.is((await unmount(path.join(ctx.dir, 'never-created'))).changed, false);
  assert.is((await refusal(unmount('relative/path'))).reason, 'invalid-argument');
  assert.is((await refusal(mountFilesystem('/dev/loop0', `${ctx.dir}/../escape`, 'ext4'))).reason, 'invalid-argument');
  const dev = await ctx.loops.create('unmounted', SIZE);
  await formatIfBlank(dev.device, 'xfs');
  assert.is((await refusal(growFilesystem(dev.device, { mountpoint: path.join(ctx.dir, 'nowhere') }))).reason, 'not-mounted');
  assert.is((await refusal(growFilesystem(dev.device))).reason, 'not-mounted', 'xfs cannot grow offline');
});

fs.run();
