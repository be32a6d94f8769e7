// Usage of a mounted filesystem (statfs), in the shape NodeGetVolumeStats reports.
import { statfs } from 'node:fs/promises';

export interface VolumeStats {
  readonly totalBytes: number;
  readonly usedBytes: number;
  /** Bytes an unprivileged writer can still use (statfs f_bavail). */
  readonly availableBytes: number;
  readonly totalInodes: number;
  readonly usedInodes: number;
  readonly availableInodes: number;
}

export async function volumeStats(mountpoint: string): Promise<VolumeStats> {
  const s = await statfs(mountpoint, { bigint: true });
  // bigint so that block counts times block size stay exact before converting to bytes.
  const bytes = (blocks: bigint) => Number(blocks * s.bsize);
  return {
    totalBytes: bytes(s.blocks),
    usedBytes: bytes(s.blocks - s.bfree),
    availableBytes: bytes(s.bavail),
    totalInodes: Number(s.files),
    usedInodes: Number(s.files - s.ffree),
    availableInodes: Number(s.ffree),
  };
}
