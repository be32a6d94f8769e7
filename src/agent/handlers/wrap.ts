// Adapters from async functions to grpc-js handlers. Each gives the function a CallScope
// (deadline + cancellation), maps any thrown error to a gRPC status through errors.ts, and logs
// failures with the method and node — so no handler repeats that plumbing.
import type * as grpc from '@grpc/grpc-js';
import type { AgentContext } from '../context.ts';
import { CallScope } from '../../agent-api/call-scope.ts';
import { toStatus } from '../../agent-api/errors.ts';

interface AnyCall {
  getDeadline(): grpc.Deadline;
  on(event: 'cancelled', listener: () => void): unknown;
}

function scopeFor(ctx: AgentContext, method: string, call: AnyCall): CallScope {
  const scope = new CallScope(call.getDeadline(), `${ctx.node}: ${method}`);
  call.on('cancelled', () => scope.abort(new Error(`${ctx.node}: ${method} cancelled by the client`)));
  return scope;
}

function fail(ctx: AgentContext, method: string, err: unknown): grpc.ServiceError {
  const s = toStatus(err, `${ctx.node}: ${method}`);
  ctx.log.warn({ method, code: s.code, err: s.details }, 'call failed');
  return Object.assign(new Error(s.details), { code: s.code, details: s.details, metadata: undefined as unknown as grpc.Metadata });
}

export function unary<Req, Res>(ctx: AgentContext, method: string, fn: (req: Req, scope: CallScope) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const scope = scopeFor(ctx, method, call as unknown as AnyCall);
    // Through a promise, so a synchronous throw is mapped like a rejection.
    Promise.resolve()
      .then(() => fn(call.request, scope))
      .then((res) => callback(null, res), (err: unknown) => callback(fail(ctx, method, err)))
      .finally(scope.done);
  };
}

/** Client stream: `fn` reads `call` (an async iterable of requests) and returns the one reply. */
export function clientStream<Req, Res>(
  ctx: AgentContext,
  method: string,
  fn: (call: grpc.ServerReadableStream<Req, Res>, scope: CallScope) => Promise<Res>,
): grpc.handleClientStreamingCall<Req, Res> {
  return (call, callback) => {
    const scope = scopeFor(ctx, method, call as unknown as AnyCall);
    Promise.resolve()
      .then(() => fn(call, scope))
      .then((res) => callback(null, res), (err: unknown) => callback(fail(ctx, method, err)))
      .finally(scope.done);
  };
}

/** Server stream: `fn` writes to `call` until done or cancelled; a thrown error ends the stream with its status. */
export function serverStream<Req, Res>(
  ctx: AgentContext,
  method: string,
  fn: (call: grpc.ServerWritableStream<Req, Res>, scope: CallScope) => Promise<void>,
): grpc.handleServerStreamingCall<Req, Res> {
  return (call) => {
    const scope = scopeFor(ctx, method, call as unknown as AnyCall);
    Promise.resolve()
      .then(() => fn(call, scope))
      .then(() => call.end(), (err: unknown) => {
        // grpc-js turns an 'error' event into the stream's final status.
        if (!call.cancelled) call.emit('error', fail(ctx, method, err));
      })
      .finally(scope.done);
  };
}
