// Original file: proto/agent/v1/agent.proto


export interface ConfigureReplicationResponse {
  'resource'?: (string);
  'configPath'?: (string);
  'devicePath'?: (string);
  'changed'?: (boolean);
  'commands'?: (string)[];
  'applied'?: (boolean);
  'initialSyncStarted'?: (boolean);
}

export interface ConfigureReplicationResponse__Output {
  'resource': (string);
  'configPath': (string);
  'devicePath': (string);
  'changed': (boolean);
  'commands': (string)[];
  'applied': (boolean);
  'initialSyncStarted': (boolean);
}
