// Original file: proto/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Snapshot {
  'id'?: (string);
  'volumeId'?: (string);
  'pool'?: (string);
  'sizeBytes'?: (number | string | Long);
}

export interface Snapshot__Output {
  'id': (string);
  'volumeId': (string);
  'pool': (string);
  'sizeBytes': (string);
}
