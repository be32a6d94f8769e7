// Every Agent method, each from the handler module that owns it. A module exports
// `xxxHandlers(ctx): Partial<AgentHandlers>`; methods no module provides answer UNIMPLEMENTED.
// Wiring a module is one line in HANDLER_MODULES (plus its import). Every method is behind the
// caller check of authorize.ts.
import * as grpc from '@grpc/grpc-js';
import type { AgentHandlers } from '../../agent-api/generated/stratum/agent/v1/Agent.ts';
import type { AgentContext } from '../context.ts';
import { loadAgentProto } from '../../agent-api/loader.ts';
import { nodeInfoHandlers } from './node.ts';
import { diskHandlers } from './disks.ts';
import { poolHandlers } from './pools.ts';
import { volumeHandlers } from './volumes.ts';
import { replicationHandlers } from './replication.ts';
import { copyHandlers } from './copy.ts';
import { snapshotHandlers } from './snapshots.ts';
import { authorized } from '../authorize.ts';

export type HandlerModule = (ctx: AgentContext) => Partial<AgentHandlers>;

const HANDLER_MODULES: readonly HandlerModule[] = [
  nodeInfoHandlers,
  diskHandlers,
  poolHandlers,
  volumeHandlers,
  replicationHandlers,
  copyHandlers,
  snapshotHandlers,
];

/** Every method of the service, read from the proto itself so a new RPC can never be missed. */
const METHODS = Object.keys(loadAgentProto().stratum.agent.v1.Agent.service) as (keyof AgentHandlers)[];

function unimplemented(ctx: AgentContext, method: string) {
  const error = { code: grpc.status.UNIMPLEMENTED, details: `${ctx.node}: ${method} is not implemented by this agent` };
  return (call: { emit(event: 'error', e: unknown): void }, callback?: grpc.sendUnaryData<never>) => {
    if (callback) callback(error);
    else call.emit('error', error);
  };
}

export function agentHandlers(ctx: AgentContext): AgentHandlers {
  const provided: Partial<AgentHandlers> = Object.assign({}, ...HANDLER_MODULES.map((m) => m(ctx)));
  const all: Record<string, unknown> = {};
  for (const method of METHODS) all[method] = authorized(ctx, String(method), provided[method] ?? unimplemented(ctx, String(method)));
  return all as AgentHandlers;
}
