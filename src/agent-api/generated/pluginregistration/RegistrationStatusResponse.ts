// Original file: proto/kubelet/pluginregistration/v1/registration.proto


export interface RegistrationStatusResponse {
}

export interface RegistrationStatusResponse__Output {
}
