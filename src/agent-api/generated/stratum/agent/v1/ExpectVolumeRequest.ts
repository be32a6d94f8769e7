// Original file: proto/agent/v1/agent.proto


export interface ExpectVolumeRequest {
  'volumeId'?: (string);
  'sourceNode'?: (string);
  'validSeconds'?: (number);
}

export interface ExpectVolumeRequest__Output {
  'volumeId': (string);
  'sourceNode': (string);
  'validSeconds': (number);
}
