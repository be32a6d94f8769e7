// Original file: proto/agent/v1/agent.proto

import type { ReplicationPeer as _stratum_agent_v1_ReplicationPeer, ReplicationPeer__Output as _stratum_agent_v1_ReplicationPeer__Output } from '../../../stratum/agent/v1/ReplicationPeer.ts';

export interface ConfigureReplicationRequest {
  'volumeId'?: (string);
  'port'?: (number);
  'protocol'?: (string);
  'peers'?: (_stratum_agent_v1_ReplicationPeer)[];
  'nodeId'?: (number);
  'initialSyncSource'?: (boolean);
}

export interface ConfigureReplicationRequest__Output {
  'volumeId': (string);
  'port': (number);
  'protocol': (string);
  'peers': (_stratum_agent_v1_ReplicationPeer__Output)[];
  'nodeId': (number);
  'initialSyncSource': (boolean);
}
