// From an agent's Disk report to a LocalDisk: a name that survives renames and reboots, and the
// status fields the operator keeps true.
import { createHash } from 'node:crypto';
import { API_GROUP_VERSION, TOPOLOGY_KEY } from '../../common/constants.ts';
import { formatBytes } from '../../api/quantity.ts';
import { localDiskDefinition, type LocalDisk, type LocalDiskStatus } from '../../api/index.ts';
import type { Disk__Output as Disk } from '../../agent-api/generated/stratum/agent/v1/Disk.ts';

const MEDIA: Record<string, 'hdd' | 'ssd' | 'nvme' | undefined> = {
  MEDIA_CLASS_HDD: 'hdd',
  MEDIA_CLASS_SSD: 'ssd',
  MEDIA_CLASS_NVME: 'nvme',
};
const STATE: Record<string, NonNullable<LocalDiskStatus['state']> | undefined> = {
  DISK_STATE_AVAILABLE: 'Available',
  DISK_STATE_IN_USE: 'InUse',
  DISK_STATE_UNHEALTHY: 'Unhealthy',
  DISK_STATE_MISSING: 'Missing',
};

/** `<node>-<12 hex of sha256(disk id)>`: the same disk keeps its name whatever the kernel calls it. */
export function localDiskName(node: string, diskId: string): string {
  const hash = createHash('sha256').update(`${node}\0${diskId}`).digest('hex').slice(0, 12);
  return `${node.slice(0, 240)}-${hash}`;
}

/** Status from the agent's view; `spec` decides the media class in effect. */
export function diskStatus(disk: Disk, spec: LocalDisk['spec'], seenAt: Date): LocalDiskStatus {
  const detected = MEDIA[disk.mediaClass];
  const pool = disk.pool || undefined;
  const reasons = disk.inUseReasons.filter((r) => !r.startsWith('pool:'));
  return {
    identity: {
      id: disk.id,
      ...(disk.wwn ? { wwn: disk.wwn } : {}),
      ...(disk.serial ? { serial: disk.serial } : {}),
      ...(disk.byIdPaths[0] ? { byIdPath: disk.byIdPaths[0] } : {}),
      ...(disk.backingFile ? { backingFile: disk.backingFile } : {}),
    },
    devicePath: disk.devicePath,
    capacity: formatBytes(disk.sizeBytes),
    ...(detected ? { detectedMediaClass: detected } : {}),
    ...((spec.mediaClass ?? detected) ? { mediaClass: spec.mediaClass ?? detected } : {}),
    state: STATE[disk.state] ?? 'Unhealthy',
    ...(reasons.length ? { inUseBy: reasons.join(', ') } : pool ? { inUseBy: `pool:${pool}` } : {}),
    ...(pool ? { pool } : {}),
    lastSeen: seenAt.toISOString(),
  };
}

/** A new LocalDisk object for a disk seen for the first time. */
export function newLocalDisk(node: string, disk: Disk): LocalDisk {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: localDiskDefinition.kind,
    metadata: { name: localDiskName(node, disk.id), labels: { [TOPOLOGY_KEY]: node } },
    spec: { nodeName: node, reserved: false },
  };
}
