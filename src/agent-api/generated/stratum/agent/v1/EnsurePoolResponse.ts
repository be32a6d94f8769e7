// Original file: proto/agent/v1/agent.proto

import type { Pool as _stratum_agent_v1_Pool, Pool__Output as _stratum_agent_v1_Pool__Output } from '../../../stratum/agent/v1/Pool.ts';

export interface EnsurePoolResponse {
  'pool'?: (_stratum_agent_v1_Pool | null);
  'changed'?: (boolean);
}

export interface EnsurePoolResponse__Output {
  'pool': (_stratum_agent_v1_Pool__Output | null);
  'changed': (boolean);
}
