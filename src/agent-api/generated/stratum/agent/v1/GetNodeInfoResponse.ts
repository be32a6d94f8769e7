// Original file: proto/agent/v1/agent.proto


export interface GetNodeInfoResponse {
  'nodeName'?: (string);
  'agentVersion'?: (string);
  'hostname'?: (string);
  'kernelRelease'?: (string);
  'deviceMapper'?: (boolean);
  'drbdKernelModule'?: (boolean);
  'lvmVersion'?: (string);
  'drbdVersion'?: (string);
  'drbdMaxReplicas'?: (number);
  'replicationAddress'?: (string);
}

export interface GetNodeInfoResponse__Output {
  'nodeName': (string);
  'agentVersion': (string);
  'hostname': (string);
  'kernelRelease': (string);
  'deviceMapper': (boolean);
  'drbdKernelModule': (boolean);
  'lvmVersion': (string);
  'drbdVersion': (string);
  'drbdMaxReplicas': (number);
  'replicationAddress': (string);
}
