// Original file: proto/agent/v1/agent.proto


export interface ListVolumesRequest {
  'pool'?: (string);
}

export interface ListVolumesRequest__Output {
  'pool': (string);
}
