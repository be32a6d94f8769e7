// Domain errors of the agent and the one mapping from them to gRPC status codes. Handlers throw
// AgentError (or let a CommandError through); the call wrapper turns either into a status whose
// message names the object, the node and — for commands — the command line and its stderr.
// Where one code covers cases a client must tell apart (which thing was not found; which
// precondition only a person can fix), the error also names an AgentReason, sent as trailing
// metadata so no client has to read the message.
import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { CommandError } from '../common/exec.ts';

export type ErrorKind =
  | 'InvalidArgument'
  | 'NotFound'
  | 'ResourceExhausted'
  | 'AlreadyExists'
  | 'FailedPrecondition'
  | 'PermissionDenied'
  | 'Unavailable'
  | 'DeadlineExceeded'
  | 'DataLoss'
  | 'Internal';

const CODES: Record<ErrorKind, Status> = {
  InvalidArgument: Status.INVALID_ARGUMENT,
  NotFound: Status.NOT_FOUND,
  ResourceExhausted: Status.RESOURCE_EXHAUSTED,
  AlreadyExists: Status.ALREADY_EXISTS,
  FailedPrecondition: Status.FAILED_PRECONDITION,
  PermissionDenied: Status.PERMISSION_DENIED,
  Unavailable: Status.UNAVAILABLE,
  DeadlineExceeded: Status.DEADLINE_EXCEEDED,
  DataLoss: Status.DATA_LOSS,
  Internal: Status.INTERNAL,
};

/** What a NOT_FOUND or FAILED_PRECONDITION is about, when the code alone does not say. */
export type AgentReason =
  | 'PoolNotFound'
  | 'VolumeNotFound'
  | 'DiskNotFound'
  /** The disk is in use, not blank, read-only or another pool's: a person must free it. */
  | 'DiskNotUsable'
  /** A pool's backend or thin setting differs from the pool that exists on the node. */
  | 'PoolLayoutChanged'
  /** The node cannot make a thin pool (no device-mapper thin target). */
  | 'ThinPoolUnsupported'
  /** The volume is mounted or open; it clears once its user lets go. */
  | 'VolumeInUse'
  /** The pool still holds volumes; it clears once they are deleted. */
  | 'PoolInUse'
  /** A whole-disk volume asked to grow past its disk. */
  | 'DiskCannotGrow'
  /** Snapshots, restores and clones need a thin LVM pool; the volume is in a thick or disk pool. */
  | 'ThinPoolRequired'
  | 'SnapshotNotFound'
  /** The replica's node name is not the name DRBD knows this host by. */
  | 'HostNameMismatch'
  | 'DrbdNotLoaded';

/** The trailing-metadata key carrying an AgentReason. */
export const REASON_METADATA_KEY = 'stratum-reason';

export interface AgentErrorOptions {
  readonly cause?: unknown;
  readonly reason?: AgentReason;
}

export class AgentError extends Error {
  readonly reason: AgentReason | undefined;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    options: AgentErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AgentError';
    this.reason = options.reason;
  }
}

export const invalidArgument = (message: string) => new AgentError('InvalidArgument', message);
export const notFound = (message: string, reason?: AgentReason) => new AgentError('NotFound', message, { reason });
export const resourceExhausted = (message: string) => new AgentError('ResourceExhausted', message);
export const alreadyExists = (message: string) => new AgentError('AlreadyExists', message);
export const failedPrecondition = (message: string, options?: AgentErrorOptions) => new AgentError('FailedPrecondition', message, options);
/** The caller's certificate does not allow this call. */
export const permissionDenied = (message: string) => new AgentError('PermissionDenied', message);
export const unavailable = (message: string, cause?: unknown) => new AgentError('Unavailable', message, { cause });
export const deadlineExceeded = (message: string) => new AgentError('DeadlineExceeded', message);
/** Data did not arrive or does not read back as sent (a volume copy's checksum or size). */
export const dataLoss = (message: string) => new AgentError('DataLoss', message);

export interface MappedStatus {
  readonly code: Status;
  readonly details: string;
  readonly reason?: AgentReason;
}

/** The gRPC status for any error a handler throws; `where` prefixes the message (e.g. `node-a: CreateVolume`). */
export function toStatus(err: unknown, where: string): MappedStatus {
  if (err instanceof AgentError) {
    return { code: CODES[err.kind], details: `${where}: ${err.message}`, ...(err.reason ? { reason: err.reason } : {}) };
  }
  if (err instanceof CommandError) {
    const code = err.timedOut || isAbort(err.cause) ? Status.DEADLINE_EXCEEDED : Status.INTERNAL;
    return { code, details: `${where}: ${err.message}` };
  }
  if (isAbort(err)) return { code: Status.DEADLINE_EXCEEDED, details: `${where}: cancelled or past its deadline` };
  const message = err instanceof Error ? err.message : String(err);
  return { code: Status.INTERNAL, details: `${where}: ${message}` };
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as NodeJS.ErrnoException).code === 'ABORT_ERR');
}

/** The error a grpc-js handler hands to its callback for `s`, with the reason as trailing metadata. */
export function toServiceError(s: MappedStatus): ServiceError {
  const metadata = new Metadata();
  if (s.reason) metadata.set(REASON_METADATA_KEY, s.reason);
  return Object.assign(new Error(s.details), { code: s.code, details: s.details, metadata });
}

/** The AgentReason of a failed call, read by a client from the status's trailing metadata. */
export function reasonOf(err: unknown): AgentReason | undefined {
  const value = (err as Partial<ServiceError> | undefined)?.metadata?.get(REASON_METADATA_KEY)[0];
  return typeof value === 'string' ? (value as AgentReason) : undefined;
}
