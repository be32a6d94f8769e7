// Original file: proto/agent/v1/agent.proto

import type { ChunkHeader as _stratum_agent_v1_ChunkHeader, ChunkHeader__Output as _stratum_agent_v1_ChunkHeader__Output } from '../../../stratum/agent/v1/ChunkHeader.ts';
import type { ChunkTrailer as _stratum_agent_v1_ChunkTrailer, ChunkTrailer__Output as _stratum_agent_v1_ChunkTrailer__Output } from '../../../stratum/agent/v1/ChunkTrailer.ts';

export interface VolumeChunk {
  'header'?: (_stratum_agent_v1_ChunkHeader | null);
  'data'?: (Buffer | Uint8Array | string);
  'trailer'?: (_stratum_agent_v1_ChunkTrailer | null);
  'chunk'?: "header"|"data"|"trailer";
}

export interface VolumeChunk__Output {
  'header'?: (_stratum_agent_v1_ChunkHeader__Output | null);
  'data'?: (Buffer);
  'trailer'?: (_stratum_agent_v1_ChunkTrailer__Output | null);
  'chunk'?: "header"|"data"|"trailer";
}
