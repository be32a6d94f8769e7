// Original file: proto/agent/v1/agent.proto


export interface ListDisksRequest {
}

export interface ListDisksRequest__Output {
}
