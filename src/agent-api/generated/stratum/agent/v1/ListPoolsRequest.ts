// Original file: proto/agent/v1/agent.proto


export interface ListPoolsRequest {
}

export interface ListPoolsRequest__Output {
}
