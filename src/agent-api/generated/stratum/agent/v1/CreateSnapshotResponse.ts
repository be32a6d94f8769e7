// Original file: proto/agent/v1/agent.proto

import type { Snapshot as _stratum_agent_v1_Snapshot, Snapshot__Output as _stratum_agent_v1_Snapshot__Output } from '../../../stratum/agent/v1/Snapshot.ts';

export interface CreateSnapshotResponse {
  'snapshot'?: (_stratum_agent_v1_Snapshot | null);
  'created'?: (boolean);
}

export interface CreateSnapshotResponse__Output {
  'snapshot': (_stratum_agent_v1_Snapshot__Output | null);
  'created': (boolean);
}
