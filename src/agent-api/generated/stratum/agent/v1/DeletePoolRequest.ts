// Original file: proto/agent/v1/agent.proto


export interface DeletePoolRequest {
  'name'?: (string);
}

export interface DeletePoolRequest__Output {
  'name': (string);
}
