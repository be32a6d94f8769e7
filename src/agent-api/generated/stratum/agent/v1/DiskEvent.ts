// Original file: proto/agent/v1/agent.proto

import type { Disk as _stratum_agent_v1_Disk, Disk__Output as _stratum_agent_v1_Disk__Output } from '../../../stratum/agent/v1/Disk.ts';

// Original file: proto/agent/v1/agent.proto

export const _stratum_agent_v1_DiskEvent_Type = {
  TYPE_UNSPECIFIED: 'TYPE_UNSPECIFIED',
  ADDED: 'ADDED',
  REMOVED: 'REMOVED',
  CHANGED: 'CHANGED',
} as const;

export type _stratum_agent_v1_DiskEvent_Type =
  | 'TYPE_UNSPECIFIED'
  | 0
  | 'ADDED'
  | 1
  | 'REMOVED'
  | 2
  | 'CHANGED'
  | 3

export type _stratum_agent_v1_DiskEvent_Type__Output = typeof _stratum_agent_v1_DiskEvent_Type[keyof typeof _stratum_agent_v1_DiskEvent_Type]

export interface DiskEvent {
  'type'?: (_stratum_agent_v1_DiskEvent_Type);
  'disk'?: (_stratum_agent_v1_Disk | null);
}

export interface DiskEvent__Output {
  'type': (_stratum_agent_v1_DiskEvent_Type__Output);
  'disk': (_stratum_agent_v1_Disk__Output | null);
}
