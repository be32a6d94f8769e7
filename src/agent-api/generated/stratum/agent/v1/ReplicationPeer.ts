// Original file: proto/agent/v1/agent.proto


export interface ReplicationPeer {
  'node'?: (string);
  'address'?: (string);
  'nodeId'?: (number);
  'devicePath'?: (string);
  'minor'?: (number);
}

export interface ReplicationPeer__Output {
  'node': (string);
  'address': (string);
  'nodeId': (number);
  'devicePath': (string);
  'minor': (number);
}
