// How the operator reads a failed agent call: one table from the gRPC code — and the AgentReason
// when the agent names one — to the reason a reconciler puts in status and whether retrying with
// backoff can help. What retrying cannot heal is thrown as a TerminalError: the object then waits
// for a change (to itself or what it depends on) rather than being retried.
//
// | code                | reason                              | retry | why                                          |
// | ------------------- | ----------------------------------- | ----- | -------------------------------------------- |
// | UNAVAILABLE,        | AgentUnavailable                    | yes   | the agent or its node is down or slow (the   |
// | DEADLINE_EXCEEDED   |                                     |       | registry throws AgentUnavailableError)       |
// | RESOURCE_EXHAUSTED  | InsufficientCapacity                | yes   | space frees as volumes go and pools grow     |
// | NOT_FOUND           | PoolNotFound, VolumeNotFound,       | yes   | the pool forms on the node, the disk shows   |
// |                     | DiskNotFound; NotFound without one  |       | up again (a volume that existed and is gone  |
// |                     |                                     |       | is VolumeLost, decided by the replica)       |
// | FAILED_PRECONDITION | VolumeInUse, PoolInUse              | yes   | clears once the user lets go, volumes go     |
// |                     | FailedPrecondition without a reason | yes   | this host's DRBD address not up yet, a copy  |
// |                     |                                     |       | already running, a volume group not yet seen |
// |                     | DiskNotUsable, PoolLayoutChanged,   | no    | a person must act: free or allow wiping the  |
// |                     | ThinPoolUnsupported, DiskCannotGrow,|       | disk, fix the spec, load a kernel module,    |
// |                     | HostNameMismatch, DrbdNotLoaded     |       | name the node as DRBD knows it               |
// | INVALID_ARGUMENT    | InvalidRequest                      | no    | the same request is refused the same way     |
// | ALREADY_EXISTS      | AlreadyExists                       | yes   | a leftover (an old DRBD minor) may go        |
// | DATA_LOSS           | DataLoss                            | yes   | a copy that did not verify is copied again   |
// | anything else       | AgentError                          | yes   | INTERNAL: a failed command, maybe transient  |
import * as grpc from '@grpc/grpc-js';
import { reasonOf, type AgentReason } from '../../agent-api/errors.ts';
import { TerminalError } from '../runtime/controller.ts';
import { AgentUnavailableError } from './registry.ts';

export interface AgentFailure {
  /** CamelCase, for a Ready condition or a node's status line. */
  readonly reason: string;
  /** Whether retrying with backoff can help; otherwise the object waits for a change. */
  readonly retryable: boolean;
  /** The agent's words (they name the node, the call and the object), prefixed with `where`. */
  readonly message: string;
}

const BY_CODE: Partial<Record<grpc.status, { readonly reason: string; readonly retryable: boolean }>> = {
  [grpc.status.RESOURCE_EXHAUSTED]: { reason: 'InsufficientCapacity', retryable: true },
  [grpc.status.NOT_FOUND]: { reason: 'NotFound', retryable: true },
  [grpc.status.FAILED_PRECONDITION]: { reason: 'FailedPrecondition', retryable: true },
  [grpc.status.INVALID_ARGUMENT]: { reason: 'InvalidRequest', retryable: false },
  [grpc.status.ALREADY_EXISTS]: { reason: 'AlreadyExists', retryable: true },
  [grpc.status.DATA_LOSS]: { reason: 'DataLoss', retryable: true },
};

/** Reasons the agent sends for what only a person can fix. */
const NEEDS_A_PERSON: ReadonlySet<AgentReason> = new Set<AgentReason>([
  'DiskNotUsable',
  'PoolLayoutChanged',
  'ThinPoolUnsupported',
  'DiskCannotGrow',
  'ThinPoolRequired',
  'HostNameMismatch',
  'DrbdNotLoaded',
]);

/** The one reading of a failed agent call; `where` (e.g. `node a, pool p`) prefixes the message. */
export function agentFailure(err: unknown, where?: string): AgentFailure {
  const prefix = where ? `${where}: ` : '';
  if (err instanceof AgentUnavailableError) return { reason: 'AgentUnavailable', retryable: true, message: err.message };
  const e = err as Partial<grpc.ServiceError>;
  const code = typeof e.code === 'number' ? e.code : grpc.status.UNKNOWN;
  const detail = e.details || e.message || String(err);
  const known = BY_CODE[code];
  if (!known) return { reason: 'AgentError', retryable: true, message: `${prefix}${grpc.status[code] ?? 'UNKNOWN'}: ${detail}` };
  const named = reasonOf(err);
  return {
    reason: named ?? known.reason,
    retryable: known.retryable && !(named && NEEDS_A_PERSON.has(named)),
    message: `${prefix}${detail}`,
  };
}

/** What a reconciler throws for `failure`: the original error to retry it, a TerminalError otherwise. */
export function failureToThrow(failure: AgentFailure, err: unknown): unknown {
  return failure.retryable ? err : new TerminalError(`${failure.reason}: ${failure.message}`, { cause: err });
}
