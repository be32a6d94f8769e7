// Original file: proto/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface ReceiveVolumeResponse {
  'bytes'?: (number | string | Long);
  'sha256'?: (string);
  'verified'?: (boolean);
}

export interface ReceiveVolumeResponse__Output {
  'bytes': (string);
  'sha256': (string);
  'verified': (boolean);
}
