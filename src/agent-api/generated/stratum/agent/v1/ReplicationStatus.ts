// Original file: proto/agent/v1/agent.proto

import type { ReplicationPeerStatus as _stratum_agent_v1_ReplicationPeerStatus, ReplicationPeerStatus__Output as _stratum_agent_v1_ReplicationPeerStatus__Output } from '../../../stratum/agent/v1/ReplicationPeerStatus.ts';
import type { Long } from '@grpc/proto-loader';

export interface ReplicationStatus {
  'resource'?: (string);
  'configured'?: (boolean);
  'up'?: (boolean);
  'role'?: (string);
  'diskState'?: (string);
  'syncPercent'?: (number | string);
  'peers'?: (_stratum_agent_v1_ReplicationPeerStatus)[];
  'devicePath'?: (string);
  'sizeBytes'?: (number | string | Long);
  'drbdVersion'?: (string);
}

export interface ReplicationStatus__Output {
  'resource': (string);
  'configured': (boolean);
  'up': (boolean);
  'role': (string);
  'diskState': (string);
  'syncPercent': (number);
  'peers': (_stratum_agent_v1_ReplicationPeerStatus__Output)[];
  'devicePath': (string);
  'sizeBytes': (string);
  'drbdVersion': (string);
}
