// Original file: proto/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface ChunkHeader {
  'volumeId'?: (string);
  'totalBytes'?: (number | string | Long);
}

export interface ChunkHeader__Output {
  'volumeId': (string);
  'totalBytes': (string);
}
