// A client for an agent's gRPC API with mutual TLS: used by the operator, by an agent that sends
// a volume to another agent, and by tests. Certificates are PEM files.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { AGENT_TLS_SERVER_NAME } from '../common/constants.ts';
import { loadAgentProto, loadHealthProto } from './loader.ts';
import type { AgentClient } from './generated/stratum/agent/v1/Agent.ts';
import type { HealthClient } from './generated/grpc/health/v1/Health.ts';

export type { AgentClient, HealthClient };

export interface ClientTls {
  readonly ca: string;
  /** Omitted: no client certificate (the agent refuses such clients). */
  readonly cert?: string;
  readonly key?: string;
}

export function clientCredentials(tls: ClientTls): grpc.ChannelCredentials {
  const ca = readFileSync(tls.ca);
  return tls.cert && tls.key ? grpc.credentials.createSsl(ca, readFileSync(tls.key), readFileSync(tls.cert)) : grpc.credentials.createSsl(ca);
}

/** Checks the agent's certificate for AGENT_TLS_SERVER_NAME rather than the dialled address. */
export const AGENT_SERVER_NAME_OPTIONS: grpc.ChannelOptions = { 'grpc.ssl_target_name_override': AGENT_TLS_SERVER_NAME, 'grpc.default_authority': AGENT_TLS_SERVER_NAME };

export function createAgentClient(address: string, tls: ClientTls, options: grpc.ChannelOptions = {}): AgentClient {
  const { Agent } = loadAgentProto().stratum.agent.v1;
  return new Agent(address, clientCredentials(tls), options);
}

export function createHealthClient(address: string, tls: ClientTls, options: grpc.ChannelOptions = {}): HealthClient {
  const { Health } = loadHealthProto().grpc.health.v1;
  return new Health(address, clientCredentials(tls), options);
}

type UnaryMethod = {
  [M in keyof AgentClient]: AgentClient[M] extends (argument: infer _Req, callback: grpc.requestCallback<infer _Res>) => grpc.ClientUnaryCall ? M : never;
}[keyof AgentClient] & Capitalize<string>;

type RequestOf<M extends UnaryMethod> = AgentClient[M] extends (argument: infer Req, callback: grpc.requestCallback<infer _Res>) => grpc.ClientUnaryCall ? Req : never;
type ResponseOf<M extends UnaryMethod> = AgentClient[M] extends (argument: infer _Req, callback: grpc.requestCallback<infer Res>) => grpc.ClientUnaryCall ? Res : never;

/** One unary call as a promise, with a deadline (every agent call has one). Rejects with the grpc ServiceError. */
export function callAgent<M extends UnaryMethod>(client: AgentClient, method: M, request: RequestOf<M>, deadlineMs = 30_000): Promise<ResponseOf<M>> {
  return new Promise((resolve, reject) => {
    const fn = client[method] as unknown as (req: unknown, options: grpc.CallOptions, cb: grpc.requestCallback<ResponseOf<M>>) => grpc.ClientUnaryCall;
    fn.call(client, request, { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res!)));
  });
}
