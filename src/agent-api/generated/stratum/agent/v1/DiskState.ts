// Original file: proto/agent/v1/agent.proto

export const DiskState = {
  DISK_STATE_UNSPECIFIED: 'DISK_STATE_UNSPECIFIED',
  DISK_STATE_AVAILABLE: 'DISK_STATE_AVAILABLE',
  DISK_STATE_IN_USE: 'DISK_STATE_IN_USE',
  DISK_STATE_UNHEALTHY: 'DISK_STATE_UNHEALTHY',
  DISK_STATE_MISSING: 'DISK_STATE_MISSING',
} as const;

export type DiskState =
  | 'DISK_STATE_UNSPECIFIED'
  | 0
  | 'DISK_STATE_AVAILABLE'
  | 1
  | 'DISK_STATE_IN_USE'
  | 2
  | 'DISK_STATE_UNHEALTHY'
  | 3
  | 'DISK_STATE_MISSING'
  | 4

export type DiskState__Output = typeof DiskState[keyof typeof DiskState]
