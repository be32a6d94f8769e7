// Original file: proto/agent/v1/agent.proto

import type { MediaClass as _stratum_agent_v1_MediaClass, MediaClass__Output as _stratum_agent_v1_MediaClass__Output } from '../../../stratum/agent/v1/MediaClass.ts';
import type { DiskState as _stratum_agent_v1_DiskState, DiskState__Output as _stratum_agent_v1_DiskState__Output } from '../../../stratum/agent/v1/DiskState.ts';
import type { Long } from '@grpc/proto-loader';

export interface Disk {
  'id'?: (string);
  'devicePath'?: (string);
  'byIdPaths'?: (string)[];
  'wwn'?: (string);
  'serial'?: (string);
  'model'?: (string);
  'vendor'?: (string);
  'sizeBytes'?: (number | string | Long);
  'mediaClass'?: (_stratum_agent_v1_MediaClass);
  'rotational'?: (boolean);
  'transport'?: (string);
  'state'?: (_stratum_agent_v1_DiskState);
  'inUseReasons'?: (string)[];
  'pool'?: (string);
  'backingFile'?: (string);
  'majorMinor'?: (string);
}

export interface Disk__Output {
  'id': (string);
  'devicePath': (string);
  'byIdPaths': (string)[];
  'wwn': (string);
  'serial': (string);
  'model': (string);
  'vendor': (string);
  'sizeBytes': (string);
  'mediaClass': (_stratum_agent_v1_MediaClass__Output);
  'rotational': (boolean);
  'transport': (string);
  'state': (_stratum_agent_v1_DiskState__Output);
  'inUseReasons': (string)[];
  'pool': (string);
  'backingFile': (string);
  'majorMinor': (string);
}
