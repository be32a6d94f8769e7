// Original file: proto/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface ExpandVolumeRequest {
  'volumeId'?: (string);
  'pool'?: (string);
  'sizeBytes'?: (number | string | Long);
}

export interface ExpandVolumeRequest__Output {
  'volumeId': (string);
  'pool': (string);
  'sizeBytes': (string);
}
