// A client for an agent's gRPC API with mutual TLS: used by the operator, by an agent that sends
// a volume to another agent, and by tests. The client names the node whose agent it expects and
// accepts only that agent's serving certificate, whatever address it dials.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { loadAgentProto, loadHealthProto } from './loader.ts';
import { CertificateSource } from './certificate-source.ts';
import { expectAgent } from './identity.ts';
import type { AgentClient } from './generated/stratum/agent/v1/Agent.ts';
import type { HealthClient } from './generated/grpc/health/v1/Health.ts';

export type { AgentClient, HealthClient };

/** PEM files read once (tests, tools). */
export interface ClientTls {
  readonly ca: string;
  /** Omitted: no client certificate (the agent refuses such clients). */
  readonly cert?: string;
  readonly key?: string;
}

/** Files read once, or a CertificateSource whose renewals apply to every new connection. */
export type ClientIdentity = ClientTls | CertificateSource;

export function clientCredentials(tls: ClientIdentity, node: string): grpc.ChannelCredentials {
  const verify = { checkServerIdentity: expectAgent(node) };
  if (tls instanceof CertificateSource) return grpc.experimental.createCertificateProviderChannelCredentials(tls, tls, verify);
  const ca = readFileSync(tls.ca);
  return tls.cert && tls.key
    ? grpc.credentials.createSsl(ca, readFileSync(tls.key), readFileSync(tls.cert), verify)
    : grpc.credentials.createSsl(ca, null, null, verify);
}

/** SNI and authority carry the node name: the dialled address (an IP) is not what is verified. */
function nodeOptions(node: string, options: grpc.ChannelOptions): grpc.ChannelOptions {
  return { 'grpc.ssl_target_name_override': node, 'grpc.default_authority': node, ...options };
}

export function createAgentClient(address: string, tls: ClientIdentity, node: string, options: grpc.ChannelOptions = {}): AgentClient {
  const { Agent } = loadAgentProto().stratum.agent.v1;
  return new Agent(address, clientCredentials(tls, node), nodeOptions(node, options));
}

export function createHealthClient(address: string, tls: ClientIdentity, node: string, options: grpc.ChannelOptions = {}): HealthClient {
  const { Health } = loadHealthProto().grpc.health.v1;
  return new Health(address, clientCredentials(tls, node), nodeOptions(node, options));
}

/** One unary call to an agent as a promise, with a deadline (every agent call has one). */
export { callUnary as callAgent } from '../common/grpc-unary.ts';
