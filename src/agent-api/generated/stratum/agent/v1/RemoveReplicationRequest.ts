// Original file: proto/agent/v1/agent.proto


export interface RemoveReplicationRequest {
  'volumeId'?: (string);
}

export interface RemoveReplicationRequest__Output {
  'volumeId': (string);
}
