// Original file: proto/agent/v1/agent.proto

import type { PoolBackend as _stratum_agent_v1_PoolBackend, PoolBackend__Output as _stratum_agent_v1_PoolBackend__Output } from '../../../stratum/agent/v1/PoolBackend.ts';
import type { Long } from '@grpc/proto-loader';

export interface Pool {
  'name'?: (string);
  'backend'?: (_stratum_agent_v1_PoolBackend);
  'thin'?: (boolean);
  'vgName'?: (string);
  'disks'?: (string)[];
  'totalBytes'?: (number | string | Long);
  'freeBytes'?: (number | string | Long);
  'allocatableBytes'?: (number | string | Long);
  'extentSizeBytes'?: (number | string | Long);
  'volumeCount'?: (number);
  'provisionedBytes'?: (number | string | Long);
}

export interface Pool__Output {
  'name': (string);
  'backend': (_stratum_agent_v1_PoolBackend__Output);
  'thin': (boolean);
  'vgName': (string);
  'disks': (string)[];
  'totalBytes': (string);
  'freeBytes': (string);
  'allocatableBytes': (string);
  'extentSizeBytes': (string);
  'volumeCount': (number);
  'provisionedBytes': (string);
}
