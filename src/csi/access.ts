// Volume capabilities Stratum can honour: a local volume is reachable from one node only, so only
// single-node access modes (the two of CSI's core; the SINGLE_NODE_*_WRITER pair needs the
// SINGLE_NODE_MULTI_WRITER capability, which Stratum does not claim); Filesystem (ext4, xfs) or Block. Pure checks shared by the
// controller (CreateVolume, ValidateVolumeCapabilities) and the node service.
import { FS_TYPES } from '../api/localvolume.ts';
import type { VolumeCapability__Output } from './api/generated/csi/v1/VolumeCapability.ts';

export const SINGLE_NODE_MODES = ['SINGLE_NODE_WRITER', 'SINGLE_NODE_READER_ONLY'] as const;
const READ_ONLY_MODES = new Set(['SINGLE_NODE_READER_ONLY']);

export type AccessKind = 'mount' | 'block';

/** Why the capability cannot be honoured, or undefined when it can. */
export function capabilityProblem(cap: VolumeCapability__Output): string | undefined {
  const mode = cap.accessMode?.mode ?? 'UNKNOWN';
  if (!(SINGLE_NODE_MODES as readonly string[]).includes(mode)) {
    return mode.startsWith('MULTI_NODE')
      ? `access mode ${mode} is not supported: a Stratum volume lives on one node's disks and is reachable from that node only (use ReadWriteOnce)`
      : `access mode ${mode} is not supported (supported: ${SINGLE_NODE_MODES.join(', ')})`;
  }
  if (cap.accessType === 'block' || cap.block) return undefined;
  if (cap.accessType !== 'mount' && !cap.mount) return 'volume capability has neither mount nor block access type';
  const fsType = cap.mount?.fsType ?? '';
  if (fsType && !(FS_TYPES as readonly string[]).includes(fsType))
    return `filesystem type ${fsType} is not supported (supported: ${FS_TYPES.join(', ')})`;
  return undefined;
}

export function accessKind(cap: VolumeCapability__Output): AccessKind {
  return cap.accessType === 'block' || cap.block ? 'block' : 'mount';
}

export function isReadOnlyMode(cap: VolumeCapability__Output): boolean {
  return READ_ONLY_MODES.has(cap.accessMode?.mode ?? '');
}
