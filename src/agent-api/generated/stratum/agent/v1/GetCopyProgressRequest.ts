// Original file: proto/agent/v1/agent.proto


export interface GetCopyProgressRequest {
  'volumeId'?: (string);
}

export interface GetCopyProgressRequest__Output {
  'volumeId': (string);
}
