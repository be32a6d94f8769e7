// The filesystems Stratum formats and grows; anything else is refused by name.
import { FS_TYPES, type FsType } from '../../api/localvolume.ts';
import { FsError } from './errors.ts';

export type { FsType };

export function asFsType(value: string): FsType {
  if ((FS_TYPES as readonly string[]).includes(value)) return value as FsType;
  throw new FsError('invalid-argument', `unsupported filesystem type "${value}" (supported: ${FS_TYPES.join(', ')})`, { fsType: value });
}

/** Paths handed to mount/umount must be absolute and free of `..`, so a request cannot escape to another place. */
export function assertAbsolutePath(what: string, p: string): void {
  if (!p.startsWith('/') || p.split('/').includes('..') || p.includes('\0')) {
    throw new FsError('invalid-argument', `${what} must be an absolute path without "..": ${JSON.stringify(p)}`, { [what]: p });
  }
}
