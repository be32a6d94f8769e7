// Original file: proto/agent/v1/agent.proto


export interface RemoveReplicationResponse {
  'removed'?: (boolean);
  'commands'?: (string)[];
}

export interface RemoveReplicationResponse__Output {
  'removed': (boolean);
  'commands': (string)[];
}
