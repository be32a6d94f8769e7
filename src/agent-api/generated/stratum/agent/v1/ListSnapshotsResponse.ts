// Original file: proto/agent/v1/agent.proto

import type { Snapshot as _stratum_agent_v1_Snapshot, Snapshot__Output as _stratum_agent_v1_Snapshot__Output } from '../../../stratum/agent/v1/Snapshot.ts';

export interface ListSnapshotsResponse {
  'snapshots'?: (_stratum_agent_v1_Snapshot)[];
}

export interface ListSnapshotsResponse__Output {
  'snapshots': (_stratum_agent_v1_Snapshot__Output)[];
}
