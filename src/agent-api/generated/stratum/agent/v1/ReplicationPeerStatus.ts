// Original file: proto/agent/v1/agent.proto


export interface ReplicationPeerStatus {
  'node'?: (string);
  'connectionState'?: (string);
  'role'?: (string);
  'diskState'?: (string);
  'replicationState'?: (string);
  'syncPercent'?: (number | string);
  'syncing'?: (boolean);
}

export interface ReplicationPeerStatus__Output {
  'node': (string);
  'connectionState': (string);
  'role': (string);
  'diskState': (string);
  'replicationState': (string);
  'syncPercent': (number);
  'syncing': (boolean);
}
