// Original file: proto/agent/v1/agent.proto


export interface GetReplicationStatusRequest {
  'volumeId'?: (string);
}

export interface GetReplicationStatusRequest__Output {
  'volumeId': (string);
}
