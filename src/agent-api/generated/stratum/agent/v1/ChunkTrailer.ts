// Original file: proto/agent/v1/agent.proto


export interface ChunkTrailer {
  'sha256'?: (string);
}

export interface ChunkTrailer__Output {
  'sha256': (string);
}
