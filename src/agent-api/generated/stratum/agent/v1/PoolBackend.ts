// Original file: proto/agent/v1/agent.proto

export const PoolBackend = {
  POOL_BACKEND_UNSPECIFIED: 'POOL_BACKEND_UNSPECIFIED',
  POOL_BACKEND_LVM: 'POOL_BACKEND_LVM',
  POOL_BACKEND_DISK: 'POOL_BACKEND_DISK',
} as const;

export type PoolBackend =
  | 'POOL_BACKEND_UNSPECIFIED'
  | 0
  | 'POOL_BACKEND_LVM'
  | 1
  | 'POOL_BACKEND_DISK'
  | 2

export type PoolBackend__Output = typeof PoolBackend[keyof typeof PoolBackend]
