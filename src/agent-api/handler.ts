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

/** The scope of one call: aborted when the client cancels or the deadline passes. */
export function callScope(site: CallSite, call: CancellableCall): CallScope {
  const scope = new CallScope(call.getDeadline(), site.where);
  call.on('cancelled', () => scope.abort(new Error(`${site.where} cancelled by the client`)));
  return scope;
}

/** The error to answer a failed call with; logged once, here. */
export function callFailure(site: CallSite, err: unknown): grpc.ServiceError {
  const s = site.toStatus(err, site.where);
  site.log.warn({ method: site.method, code: grpc.status[s.code], err: s.details }, 'call failed');
  return toServiceError(s);
}

export function unaryHandler<Req, Res>(site: CallSite, fn: Handler<Req, Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const scope = callScope(site, call as unknown as CancellableCall);
    // Through a promise, so a synchronous throw is mapped like a rejection.
    Promise.resolve()
      .then(() => fn(call.request, scope))
      .then((res) => callback(null, res), (err: unknown) => callback(callFailure(site, err)))
      .finally(scope.done);
  };
}
