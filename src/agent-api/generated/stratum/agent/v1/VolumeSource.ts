// Original file: proto/agent/v1/agent.proto


export interface VolumeSource {
  'snapshotId'?: (string);
  'volumeId'?: (string);
  'kind'?: "snapshotId"|"volumeId";
}

export interface VolumeSource__Output {
  'snapshotId'?: (string);
  'volumeId'?: (string);
  'kind'?: "snapshotId"|"volumeId";
}
