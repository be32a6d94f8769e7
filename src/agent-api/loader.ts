// The one place that loads the agent's .proto files at runtime. The options here must match the
// `gen:proto` script (package.json) that generates the TypeScript types in ./generated:
// camelCase fields, uint64 as decimal strings (exact past 2^53), enums as their names,
// defaults filled in, oneof fields named by a virtual `chunk` property.
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PACKAGE_ROOT } from '../common/package-root.ts';
import type { ProtoGrpcType as AgentProto } from './generated/agent.ts';
import type { ProtoGrpcType as HealthProto } from './generated/health.ts';
import type { ProtoGrpcType as RegistrationProto } from './generated/registration.ts';

export const PROTO_DIR = path.join(PACKAGE_ROOT, 'proto');
export const AGENT_PROTO = path.join(PROTO_DIR, 'agent/v1/agent.proto');
export const HEALTH_PROTO = path.join(PROTO_DIR, 'grpc/health/v1/health.proto');
/** The kubelet's plugin registration service, which the agent serves for its CSI driver. */
export const REGISTRATION_PROTO = path.join(PROTO_DIR, 'kubelet/pluginregistration/v1/registration.proto');

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

let agentProto: AgentProto | undefined;
let healthProto: HealthProto | undefined;
let registrationProto: RegistrationProto | undefined;

export function loadAgentProto(): AgentProto {
  agentProto ??= grpc.loadPackageDefinition(protoLoader.loadSync(AGENT_PROTO, LOADER_OPTIONS)) as unknown as AgentProto;
  return agentProto;
}

export function loadHealthProto(): HealthProto {
  healthProto ??= grpc.loadPackageDefinition(protoLoader.loadSync(HEALTH_PROTO, LOADER_OPTIONS)) as unknown as HealthProto;
  return healthProto;
}

export function loadRegistrationProto(): RegistrationProto {
  registrationProto ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(REGISTRATION_PROTO, LOADER_OPTIONS),
  ) as unknown as RegistrationProto;
  return registrationProto;
}
