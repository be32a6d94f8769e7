// Original file: proto/agent/v1/agent.proto


export interface DeletePoolResponse {
  'deleted'?: (boolean);
}

export interface DeletePoolResponse__Output {
  'deleted': (boolean);
}
