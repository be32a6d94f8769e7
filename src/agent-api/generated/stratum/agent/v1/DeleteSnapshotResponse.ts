// Original file: proto/agent/v1/agent.proto


export interface DeleteSnapshotResponse {
  'deleted'?: (boolean);
}

export interface DeleteSnapshotResponse__Output {
  'deleted': (boolean);
}
