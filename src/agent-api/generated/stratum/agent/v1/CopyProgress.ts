// Original file: proto/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface CopyProgress {
  'active'?: (boolean);
  'sentBytes'?: (number | string | Long);
  'totalBytes'?: (number | string | Long);
}

export interface CopyProgress__Output {
  'active': (boolean);
  'sentBytes': (string);
  'totalBytes': (string);
}
