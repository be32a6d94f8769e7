// Original file: proto/agent/v1/agent.proto


export interface CreateSnapshotRequest {
  'snapshotId'?: (string);
  'volumeId'?: (string);
}

export interface CreateSnapshotRequest__Output {
  'snapshotId': (string);
  'volumeId': (string);
}
