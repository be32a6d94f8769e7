// CSI refusals carry the gRPC code the CSI spec prescribes for the case; agent errors and failed
// commands keep the mapping of src/agent-api/errors.ts (they follow gRPC's meanings already).
import { status as Status } from '@grpc/grpc-js';
import { toStatus, type MappedStatus } from '../agent-api/errors.ts';

export class CsiError extends Error {
  constructor(
    readonly code: Status,
    message: string,
  ) {
    super(message);
    this.name = 'CsiError';
  }
}

export const csiError = (code: Status, message: string) => new CsiError(code, message);
export const invalid = (message: string) => new CsiError(Status.INVALID_ARGUMENT, message);
export const csiNotFound = (message: string) => new CsiError(Status.NOT_FOUND, message);

export function csiStatus(err: unknown, where: string): MappedStatus {
  if (err instanceof CsiError) return { code: err.code, details: `${where}: ${err.message}` };
  return toStatus(err, where);
}
