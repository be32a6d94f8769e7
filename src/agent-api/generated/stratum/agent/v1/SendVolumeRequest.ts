// Original file: proto/agent/v1/agent.proto


export interface SendVolumeRequest {
  'volumeId'?: (string);
  'targetAddress'?: (string);
  'targetVolumeId'?: (string);
  'chunkBytes'?: (number);
  'targetNode'?: (string);
}

export interface SendVolumeRequest__Output {
  'volumeId': (string);
  'targetAddress': (string);
  'targetVolumeId': (string);
  'chunkBytes': (number);
  'targetNode': (string);
}
