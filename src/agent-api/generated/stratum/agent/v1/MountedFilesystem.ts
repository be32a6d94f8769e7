// Original file: proto/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface MountedFilesystem {
  'type'?: (string);
  'sizeBytes'?: (number | string | Long);
}

export interface MountedFilesystem__Output {
  'type': (string);
  'sizeBytes': (string);
}
