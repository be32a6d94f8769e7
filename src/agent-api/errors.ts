// Domain errors of the agent and the one mapping from them to gRPC status codes. Handlers throw
// AgentError (or let a CommandError through); the call wrapper turns either into a status whose
// message names the object, the node and — for commands — the command line and its stderr.
import { status as Status } from '@grpc/grpc-js';
import { CommandError } from '../common/exec.ts';

export type ErrorKind =
  | 'InvalidArgument'
  | 'NotFound'
  | 'ResourceExhausted'
  | 'AlreadyExists'
  | 'FailedPrecondition'
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
  Unavailable: Status.UNAVAILABLE,
  DeadlineExceeded: Status.DEADLINE_EXCEEDED,
  DataLoss: Status.DATA_LOSS,
  Internal: Status.INTERNAL,
};

export class AgentError extends Error {
  constructor(readonly kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentError';
  }
}

export const invalidArgument = (message: string) => new AgentError('InvalidArgument', message);
export const notFound = (message: string) => new AgentError('NotFound', message);
export const resourceExhausted = (message: string) => new AgentError('ResourceExhausted', message);
export const alreadyExists = (message: string) => new AgentError('AlreadyExists', message);
export const failedPrecondition = (message: string, cause?: unknown) => new AgentError('FailedPrecondition', message, { cause });
export const unavailable = (message: string, cause?: unknown) => new AgentError('Unavailable', message, { cause });
export const deadlineExceeded = (message: string) => new AgentError('DeadlineExceeded', message);
/** Data did not arrive or does not read back as sent (a volume copy's checksum or size). */
export const dataLoss = (message: string) => new AgentError('DataLoss', message);

export interface MappedStatus {
  readonly code: Status;
  readonly details: string;
}

/** The gRPC status for any error a handler throws; `where` prefixes the message (e.g. `node-a: CreateVolume`). */
export function toStatus(err: unknown, where: string): MappedStatus {
  if (err instanceof AgentError) return { code: CODES[err.kind], details: `${where}: ${err.message}` };
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
