// Format a device only when it is blank. A device that already holds the requested filesystem is
// left alone (the repeat call is a no-op); anything else on it is refused, never overwritten.
import { FS_MINIMUM_BYTES } from '../../api/localvolume.ts';
import { run } from '../../common/exec.ts';
import { blockDeviceSize } from './block.ts';
import { FsError } from './errors.ts';
import { describeSignature, probeSignature } from './probe.ts';
import { assertAbsolutePath, type FsType } from './types.ts';

/**
 * mkfs arguments per filesystem.
 * - ext4 `-F`: mke2fs otherwise asks for confirmation on a whole device that is not a partition;
 *   given once it does not override the "in use / mounted" check (that needs `-F -F`), and the
 *   blank probe above has already established there is nothing to lose.
 * - ext4 `-m 0`: no blocks reserved for root; a volume belongs to one workload, and the default 5 %
 *   would silently shrink every PV (same choice as Kubernetes' mount-utils and TopoLVM).
 * - xfs: no `-f`, so mkfs.xfs itself refuses a device that gained a signature after the probe
 *   (a second guard against a race).
 * - `-q` on both: the progress output is noise in the agent's logs.
 */
const MKFS: Record<FsType, { readonly command: string; readonly args: readonly string[] }> = {
  ext4: { command: 'mkfs.ext4', args: ['-q', '-F', '-m', '0'] },
  xfs: { command: 'mkfs.xfs', args: ['-q'] },
};

export interface FormatResult {
  /** false when the device already held this filesystem. */
  readonly formatted: boolean;
}

export async function formatIfBlank(device: string, fsType: FsType, opts: { readonly timeoutMs?: number } = {}): Promise<FormatResult> {
  assertAbsolutePath('device', device);
  const found = await probeSignature(device);
  if (found) {
    if (found.type === fsType && !found.partitionTable && !found.ambivalent) return { formatted: false };
    throw new FsError('foreign-signature', `refusing to format ${device} as ${fsType}: it holds ${describeSignature(found)}`, {
      device,
      fsType,
      found,
    });
  }
  // Refused here with the numbers rather than by mkfs with its usage text.
  const size = BigInt(await blockDeviceSize(device));
  if (size < FS_MINIMUM_BYTES[fsType])
    throw new FsError(
      'too-small',
      `cannot make ${fsType} on ${device}: it has ${size} bytes, ${fsType} needs at least ${FS_MINIMUM_BYTES[fsType]} (grow the volume, or use ext4)`,
      { device, fsType, size: String(size) },
    );
  const mkfs = MKFS[fsType];
  await run(mkfs.command, [...mkfs.args, device], { timeoutMs: opts.timeoutMs ?? 10 * 60_000 });
  return { formatted: true };
}
