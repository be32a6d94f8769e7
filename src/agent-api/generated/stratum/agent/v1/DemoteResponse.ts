// Original file: proto/agent/v1/agent.proto


export interface DemoteResponse {
  'commands'?: (string)[];
}

export interface DemoteResponse__Output {
  'commands': (string)[];
}
