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
    throw invalidArgument(`${kind} name ${JSON.stringify(value)} must be lower-case letters, digits and '-', starting and ending with a letter or digit`);
  }
  if (LVM_RESERVED.test(value)) throw invalidArgument(`${kind} name ${JSON.stringify(value)} starts with a name LVM reserves (snapshot, pvmove)`);
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

/** `bytes` rounded up to a whole number of `unit`s. */
export function roundUp(bytes: bigint, unit: bigint): bigint {
  if (unit <= 0n) return bytes;
  return ((bytes + unit - 1n) / unit) * unit;
}
