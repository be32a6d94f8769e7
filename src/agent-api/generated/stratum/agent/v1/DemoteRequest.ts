// Original file: proto/agent/v1/agent.proto


export interface DemoteRequest {
  'volumeId'?: (string);
  'dryRun'?: (boolean);
}

export interface DemoteRequest__Output {
  'volumeId': (string);
  'dryRun': (boolean);
}
