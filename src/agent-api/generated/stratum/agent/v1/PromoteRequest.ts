// Original file: proto/agent/v1/agent.proto


export interface PromoteRequest {
  'volumeId'?: (string);
  'dryRun'?: (boolean);
}

export interface PromoteRequest__Output {
  'volumeId': (string);
  'dryRun': (boolean);
}
