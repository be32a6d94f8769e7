// Checks of caller input that every handler shares. Names become LVM object names, file names and
// command arguments, so they are held to a DNS-label alphabet: no shell metacharacters, no path
// separators, nothing LVM reserves. Sizes arrive as uint64 decimal strings and become bigint.
import { invalidArgument } from '../agent-api/errors.ts';

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_NAME = 63;
/** LVM refuses these as LV names (lvm(8), "Valid names"). */
const LVM_RESERVED = /^(snapshot|pvmove)/;

export function checkName(kind: 'pool' | 'volume', value: unknown): string {
  if (typeof value !== 'string' || value === '') throw invalidArgument(`${kind} name is required`);
  if (value.length > MAX_NAME) throw invalidArgument(`${kind} name ${JSON.stringify(value)} is longer than ${MAX_NAME} characters`);
  if (!NAME.test(value)) {
    throw invalidArgument(
      `${kind} name ${JSON.stringify(value)} must be lower-case letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
  if (LVM_RESERVED.test(value))
    throw invalidArgument(`${kind} name ${JSON.stringify(value)} starts with a name LVM reserves (snapshot, pvmove)`);
  return value;
}

const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Kubernetes node name (a DNS subdomain). */
export function checkNodeName(what: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw invalidArgument(`${what} is required`);
  if (value.length > 253 || !NODE_NAME.test(value)) throw invalidArgument(`${what} ${JSON.stringify(value)} is not a Kubernetes node name`);
  return value;
}

/** A positive size in bytes from a uint64 field (string, number or bigint). */
export function checkSize(what: string, value: unknown): bigint {
  let bytes: bigint;
  try {
    bytes = BigInt(value as string | number | bigint);
  } catch {
    throw invalidArgument(`${what}: size ${JSON.stringify(value)} is not a whole number of bytes`);
  }
  if (bytes <= 0n) throw invalidArgument(`${what}: size must be greater than 0 bytes`);
  return bytes;
}
