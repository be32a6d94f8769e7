// Original file: proto/agent/v1/agent.proto

import type { PoolBackend as _stratum_agent_v1_PoolBackend, PoolBackend__Output as _stratum_agent_v1_PoolBackend__Output } from '../../../stratum/agent/v1/PoolBackend.ts';

export interface EnsurePoolRequest {
  'name'?: (string);
  'backend'?: (_stratum_agent_v1_PoolBackend);
  'thin'?: (boolean);
  'disks'?: (string)[];
  'allowUsed'?: (boolean);
}

export interface EnsurePoolRequest__Output {
  'name': (string);
  'backend': (_stratum_agent_v1_PoolBackend__Output);
  'thin': (boolean);
  'disks': (string)[];
  'allowUsed': (boolean);
}
