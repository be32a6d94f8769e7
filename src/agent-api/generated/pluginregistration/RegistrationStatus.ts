// Original file: proto/kubelet/pluginregistration/v1/registration.proto


export interface RegistrationStatus {
  'pluginRegistered'?: (boolean);
  'error'?: (string);
}

export interface RegistrationStatus__Output {
  'pluginRegistered': (boolean);
  'error': (string);
}
