// Original file: proto/agent/v1/agent.proto


export interface ListSnapshotsRequest {
  'pool'?: (string);
}

export interface ListSnapshotsRequest__Output {
  'pool': (string);
}
