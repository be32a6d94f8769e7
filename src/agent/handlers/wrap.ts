// The agent API's handlers, built on the shared adapter (src/agent-api/handler.ts): each gets a
// CallScope (deadline + cancellation), any thrown error maps to a gRPC status through errors.ts
// and is logged with the method and node — so no handler repeats that plumbing.
import type * as grpc from '@grpc/grpc-js';
import type { AgentContext } from '../context.ts';
import type { CallScope } from '../../agent-api/call-scope.ts';
import { toStatus } from '../../agent-api/errors.ts';
import { runCall, unaryHandler, type CallSite, type CancellableCall, type Handler } from '../../agent-api/handler.ts';

const site = (ctx: AgentContext, method: string): CallSite => ({ method, where: `${ctx.node}: ${method}`, log: ctx.log, toStatus });

export function unary<Req, Res>(ctx: AgentContext, method: string, fn: Handler<Req, Res>): grpc.handleUnaryCall<Req, Res> {
  return unaryHandler(site(ctx, method), fn);
}

/** Client stream: `fn` reads `call` (an async iterable of requests) and returns the one reply. */
export function clientStream<Req, Res>(
  ctx: AgentContext,
  method: string,
  fn: (call: grpc.ServerReadableStream<Req, Res>, scope: CallScope) => Promise<Res>,
): grpc.handleClientStreamingCall<Req, Res> {
  return (call, callback) => {
    runCall(
      site(ctx, method),
      call as unknown as CancellableCall,
      (scope) => fn(call, scope),
      (res) => callback(null, res),
      callback,
    );
  };
}

/** Server stream: `fn` writes to `call` until done or cancelled; a thrown error ends the stream with its status. */
export function serverStream<Req, Res>(
  ctx: AgentContext,
  method: string,
  fn: (call: grpc.ServerWritableStream<Req, Res>, scope: CallScope) => Promise<void>,
): grpc.handleServerStreamingCall<Req, Res> {
  return (call) =>
    runCall(
      site(ctx, method),
      call as unknown as CancellableCall,
      (scope) => fn(call, scope),
      () => call.end(),
      (err) => {
        // grpc-js turns an 'error' event into the stream's final status.
        if (!call.cancelled) call.emit('error', err);
      },
    );
}
