// Media class and usage of a disk from what lsblk, wipefs and sysfs report.
import type { MediaClass__Output } from '../../agent-api/generated/stratum/agent/v1/MediaClass.ts';
import type { BlockDevice } from './lsblk.ts';

export function detectMediaClass(d: Pick<BlockDevice, 'kname' | 'transport' | 'rotational'>): MediaClass__Output {
  if (d.transport === 'nvme' || d.kname.startsWith('nvme')) return 'MEDIA_CLASS_NVME';
  return d.rotational ? 'MEDIA_CLASS_HDD' : 'MEDIA_CLASS_SSD';
}

/**
 * Why a disk must not be taken without an explicit say-so: partitions, signatures (filesystem,
 * partition table, LVM label…), holders (device-mapper, md, DRBD) and mounts — its own or its
 * partitions'.
 */
export function usageReasons(d: BlockDevice, signatures: readonly string[], holders: readonly string[]): string[] {
  const reasons: string[] = [];
  const partitions = d.children.filter((c) => c.type === 'part');
  if (partitions.length) reasons.push('partitions');
  for (const s of signatures) reasons.push(`signature:${s}`);
  for (const h of holders) reasons.push(`holder:${h}`);
  const mounts = [d, ...d.children].flatMap((c) => c.mounts);
  for (const m of mounts) reasons.push(`mount:${m}`);
  return reasons;
}

/** Reasons that even an explicit "take it anyway" must not override. */
export function isBusy(reasons: readonly string[]): boolean {
  return reasons.some((r) => r.startsWith('mount:') || r.startsWith('holder:'));
}
