// Argument lists for the LVM commands the agent runs, built in one place so they can be read and
// unit-tested without LVM. Sizes are passed in bytes (`<n>b`); LVM rounds a linear LV up to
// whole extents, and so does the agent before it reports a size.
import { LVM_VOLUME_TAG_PREFIX } from '../../common/constants.ts';

/** The thin pool LV inside a thin pool's VG. */
export const THIN_POOL_LV = 'thinpool';

export const volumeTag = (volumeId: string): string => `${LVM_VOLUME_TAG_PREFIX}${volumeId}`;

export interface LvCreate {
  readonly vg: string;
  readonly lv: string;
  readonly sizeBytes: bigint;
  readonly tags: readonly string[];
  /** Thin LV in the VG's thin pool (virtual size). */
  readonly thin: boolean;
  /** false where the kernel has no device-mapper: the LV is created inactive, not zeroed. */
  readonly activation: boolean;
}

export function lvcreateArgs(c: LvCreate): string[] {
  const tagArgs = c.tags.flatMap((t) => ['--addtag', t]);
  // A thin LV takes no --zero (LVM refuses it): its pool hands out zeroed blocks itself.
  const zero = c.thin ? [] : [c.activation ? '-Zy' : '-Zn'];
  const activation = [c.activation ? '-ay' : '-an', ...zero, '-Wy'];
  const size = c.thin ? ['-V', `${c.sizeBytes}b`, '--thinpool', `${c.vg}/${THIN_POOL_LV}`] : ['-L', `${c.sizeBytes}b`];
  return ['--yes', ...activation, '-n', c.lv, ...size, ...tagArgs, ...(c.thin ? [] : [c.vg])];
}

/** A thin pool taking `percentFree` of the VG's free space. */
export function thinPoolCreateArgs(vg: string, activation: boolean, percentFree = 90): string[] {
  return ['--yes', ...(activation ? ['-ay'] : ['-an', '-Zn']), '--type', 'thin-pool', '-l', `${percentFree}%FREE`, '-n', THIN_POOL_LV, vg];
}

/**
 * A thin snapshot of a thin LV (`origin`, itself a volume or a snapshot): instant, sharing every
 * block until one side writes. As a snapshot it keeps LVM's activation-skip flag (`-ky`) and
 * stays inactive; as a new volume (a restore or a clone) the flag is cleared (`-kn`) and it is
 * activated like any volume, so a later plain `lvchange -ay` also activates it.
 */
export function thinSnapshotArgs(c: {
  vg: string;
  origin: string;
  lv: string;
  tags: readonly string[];
  asVolume: boolean;
  activation: boolean;
}): string[] {
  const activation = c.asVolume ? ['-kn', c.activation ? '-ay' : '-an'] : ['-ky', '-an'];
  return ['--yes', '-s', ...activation, '-n', c.lv, ...c.tags.flatMap((t) => ['--addtag', t]), `${c.vg}/${c.origin}`];
}

export function lvextendArgs(vg: string, lv: string, sizeBytes: bigint): string[] {
  return ['-L', `${sizeBytes}b`, `${vg}/${lv}`];
}

/** An LV as LVM's commands name it: `vg/lv`. */
export type LvRef = `${string}/${string}`;

export function lvRef(vg: string, lv: string): LvRef {
  return `${vg}/${lv}`;
}

export function lvremoveArgs(lvs: readonly LvRef[]): string[] {
  return ['--yes', ...lvs];
}

export function pvcreateArgs(devices: readonly string[], metadataSize?: string): string[] {
  return ['--yes', ...(metadataSize ? ['--metadatasize', metadataSize] : []), ...devices];
}

export function vgcreateArgs(vg: string, devices: readonly string[], tags: readonly string[]): string[] {
  return ['--yes', ...tags.flatMap((t) => ['--addtag', t]), vg, ...devices];
}

export function reportArgs(fields: string, selectors: readonly string[] = []): string[] {
  return ['--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', fields, ...selectors];
}
