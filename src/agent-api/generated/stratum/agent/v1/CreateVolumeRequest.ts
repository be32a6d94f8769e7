// Original file: proto/agent/v1/agent.proto

import type { VolumeSource as _stratum_agent_v1_VolumeSource, VolumeSource__Output as _stratum_agent_v1_VolumeSource__Output } from '../../../stratum/agent/v1/VolumeSource.ts';
import type { Long } from '@grpc/proto-loader';

export interface CreateVolumeRequest {
  'volumeId'?: (string);
  'pool'?: (string);
  'sizeBytes'?: (number | string | Long);
  'ownerUid'?: (string);
  'adoptUntagged'?: (boolean);
  'source'?: (_stratum_agent_v1_VolumeSource | null);
}

export interface CreateVolumeRequest__Output {
  'volumeId': (string);
  'pool': (string);
  'sizeBytes': (string);
  'ownerUid': (string);
  'adoptUntagged': (boolean);
  'source': (_stratum_agent_v1_VolumeSource__Output | null);
}
