// Original file: proto/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface CreateVolumeRequest {
  'volumeId'?: (string);
  'pool'?: (string);
  'sizeBytes'?: (number | string | Long);
  'ownerUid'?: (string);
  'adoptUntagged'?: (boolean);
}

export interface CreateVolumeRequest__Output {
  'volumeId': (string);
  'pool': (string);
  'sizeBytes': (string);
  'ownerUid': (string);
  'adoptUntagged': (boolean);
}
