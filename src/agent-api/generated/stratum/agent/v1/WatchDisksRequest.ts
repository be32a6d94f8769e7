// Original file: proto/agent/v1/agent.proto


export interface WatchDisksRequest {
}

export interface WatchDisksRequest__Output {
}
