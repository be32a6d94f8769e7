// Original file: proto/agent/v1/agent.proto

import type { Pool as _stratum_agent_v1_Pool, Pool__Output as _stratum_agent_v1_Pool__Output } from '../../../stratum/agent/v1/Pool.ts';

export interface ListPoolsResponse {
  'pools'?: (_stratum_agent_v1_Pool)[];
}

export interface ListPoolsResponse__Output {
  'pools': (_stratum_agent_v1_Pool__Output)[];
}
