// Original file: proto/agent/v1/agent.proto


export interface DeleteVolumeRequest {
  'volumeId'?: (string);
  'pool'?: (string);
  'ownerUid'?: (string);
  'orphanLvName'?: (string);
}

export interface DeleteVolumeRequest__Output {
  'volumeId': (string);
  'pool': (string);
  'ownerUid': (string);
  'orphanLvName': (string);
}
