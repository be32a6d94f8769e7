// The one adapter from an async function to a grpc-js unary handler, for every gRPC server
// Stratum runs (the agent's API, the CSI node service, the CSI controller): the function gets a
// CallScope (the client's deadline, cancellation), and whatever it throws becomes the status
// `toStatus` names, logged with the method.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../common/log.ts';
import { CallScope } from './call-scope.ts';
import { toServiceError, type MappedStatus } from './errors.ts';

export type Handler<Req, Res> = (req: Req, scope: CallScope) => Promise<Res>;

export interface CallSite {
  readonly method: string;
  /** Prefix of every message and of the scope's name, e.g. `node-a: CreateVolume`. */
  readonly where: string;
  readonly log: Logger;
  /** The status for a thrown error; `where` is passed as its prefix. */
  readonly toStatus: (err: unknown, where: string) => MappedStatus;
}

export interface CancellableCall {
  getDeadline(): grpc.Deadline;
  on(event: 'cancelled', listener: () => void): unknown;
}

/**
 * Runs `fn` under a scope that ends with the client's deadline or cancellation, then answers
 * with `ok` or, for whatever `fn` threw (synchronously too), with `fail` and the mapped status.
 */
export function runCall<T>(
  site: CallSite,
  call: CancellableCall,
  fn: (scope: CallScope) => Promise<T>,
  ok: (res: T) => void,
  fail: (err: grpc.ServiceError) => void,
): void {
  const scope = new CallScope(call.getDeadline(), site.where);
  call.on('cancelled', () => scope.abort(new Error(`${site.where} cancelled by the client`)));
  Promise.resolve()
    .then(() => fn(scope))
    .then(ok, (err: unknown) => {
      const s = site.toStatus(err, site.where);
      site.log.warn({ method: site.method, code: grpc.status[s.code], err: s.details }, 'call failed');
      fail(toServiceError(s));
    })
    .finally(scope.done);
}

export function unaryHandler<Req, Res>(site: CallSite, fn: Handler<Req, Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    runCall(
      site,
      call as unknown as CancellableCall,
      (scope) => fn(call.request, scope),
      (res) => callback(null, res),
      callback,
    );
  };
}
