// Original file: proto/agent/v1/agent.proto


export interface PromoteResponse {
  'commands'?: (string)[];
}

export interface PromoteResponse__Output {
  'commands': (string)[];
}
