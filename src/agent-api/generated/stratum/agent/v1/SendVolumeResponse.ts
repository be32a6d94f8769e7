// Original file: proto/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface SendVolumeResponse {
  'bytes'?: (number | string | Long);
  'sha256'?: (string);
}

export interface SendVolumeResponse__Output {
  'bytes': (string);
  'sha256': (string);
}
