// Grow a filesystem to fill its (already grown) device.
// - xfs grows only online: xfs_growfs takes the mountpoint.
// - ext4 grows online (resize2fs on the mounted device; the kernel ioctl needs CAP_SYS_RESOURCE)
//   or offline when no mountpoint is given (forced fsck first: resize2fs refuses otherwise).
import { run } from '../../common/exec.ts';
import { FsError } from './errors.ts';
import { findMount } from './mount-table.ts';
import { deviceNumber } from './mount.ts';
import { probeSignature } from './probe.ts';
import { volumeStats } from './stats.ts';
import { assertAbsolutePath, asFsType, type FsType } from './types.ts';

export interface GrowResult {
  /** false when the filesystem already filled the device. */
  readonly grown: boolean;
  /** Filesystem size afterwards: block count × block size for ext4, statfs total for xfs. */
  readonly sizeBytes: number;
}

export interface GrowOptions {
  /** Where the filesystem is mounted; omit to grow an unmounted ext4 offline. */
  readonly mountpoint?: string;
  readonly timeoutMs?: number;
}

/** e2fsck -p exit codes: 0 clean, 1 errors corrected; anything else needs a human. */
const E2FSCK_OK = [0, 1];

/** Parses `dumpe2fs -h` for the filesystem size. */
export function parseExt4Size(dumpe2fsHeader: string): number {
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)\\s*$`, 'm').exec(dumpe2fsHeader)?.[1]);
  const size = field('Block count') * field('Block size');
  if (!Number.isSafeInteger(size) || size <= 0) throw new Error('dumpe2fs -h printed no "Block count" / "Block size"');
  return size;
}

async function sizeOf(fsType: FsType, device: string, mountpoint: string | undefined): Promise<number> {
  if (fsType === 'ext4') return parseExt4Size((await run('dumpe2fs', ['-h', device], { timeoutMs: 60_000 })).stdout);
  return (await volumeStats(mountpoint as string)).totalBytes;
}

export async function growFilesystem(device: string, opts: GrowOptions = {}): Promise<GrowResult> {
  assertAbsolutePath('device', device);
  const { mountpoint } = opts;
  const devNum = await deviceNumber(device);
  if (mountpoint !== undefined) {
    assertAbsolutePath('mountpoint', mountpoint);
    const mounted = await findMount(mountpoint);
    if (mounted?.majMin !== devNum) {
      throw new FsError('not-mounted', `cannot grow the filesystem on ${device}: it is not mounted at ${mountpoint}`, {
        device,
        mountpoint,
        mounted: mounted?.source,
      });
    }
  }
  const fsType = asFsType((await probeSignature(device))?.type ?? 'none');
  if (mountpoint === undefined && fsType === 'xfs') {
    throw new FsError('not-mounted', `cannot grow the xfs filesystem on ${device} offline: xfs grows only while mounted`, { device });
  }
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  const before = await sizeOf(fsType, device, mountpoint);
  if (fsType === 'xfs') {
    await run('xfs_growfs', [mountpoint as string], { timeoutMs });
  } else {
    if (mountpoint === undefined) await run('e2fsck', ['-f', '-p', device], { timeoutMs, okCodes: E2FSCK_OK });
    await run('resize2fs', [device], { timeoutMs });
  }
  const after = await sizeOf(fsType, device, mountpoint);
  return { grown: after > before, sizeBytes: after };
}
