// Original file: proto/agent/v1/agent.proto

import type { PoolBackend as _stratum_agent_v1_PoolBackend, PoolBackend__Output as _stratum_agent_v1_PoolBackend__Output } from '../../../stratum/agent/v1/PoolBackend.ts';
import type { MountedFilesystem as _stratum_agent_v1_MountedFilesystem, MountedFilesystem__Output as _stratum_agent_v1_MountedFilesystem__Output } from '../../../stratum/agent/v1/MountedFilesystem.ts';
import type { Long } from '@grpc/proto-loader';

export interface Volume {
  'id'?: (string);
  'pool'?: (string);
  'backend'?: (_stratum_agent_v1_PoolBackend);
  'sizeBytes'?: (number | string | Long);
  'devicePath'?: (string);
  'devicePresent'?: (boolean);
  'thin'?: (boolean);
  'lvName'?: (string);
  'diskId'?: (string);
  'open'?: (boolean);
  'ownerUid'?: (string);
  'orphan'?: (boolean);
  'filesystem'?: (_stratum_agent_v1_MountedFilesystem | null);
  'partial'?: (boolean);
}

export interface Volume__Output {
  'id': (string);
  'pool': (string);
  'backend': (_stratum_agent_v1_PoolBackend__Output);
  'sizeBytes': (string);
  'devicePath': (string);
  'devicePresent': (boolean);
  'thin': (boolean);
  'lvName': (string);
  'diskId': (string);
  'open': (boolean);
  'ownerUid': (string);
  'orphan': (boolean);
  'filesystem': (_stratum_agent_v1_MountedFilesystem__Output | null);
  'partial': (boolean);
}
