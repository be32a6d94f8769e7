// Original file: proto/agent/v1/agent.proto

import type { Disk as _stratum_agent_v1_Disk, Disk__Output as _stratum_agent_v1_Disk__Output } from '../../../stratum/agent/v1/Disk.ts';

export interface ListDisksResponse {
  'disks'?: (_stratum_agent_v1_Disk)[];
}

export interface ListDisksResponse__Output {
  'disks': (_stratum_agent_v1_Disk__Output)[];
}
