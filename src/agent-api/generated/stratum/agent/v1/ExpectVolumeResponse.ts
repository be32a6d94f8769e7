// Original file: proto/agent/v1/agent.proto


export interface ExpectVolumeResponse {
}

export interface ExpectVolumeResponse__Output {
}
