// Resource files on disk: `<dir>/<resource>.res`, replaced atomically and only after drbdadm has
// accepted the new text, so a reader (or a crash) sees the old valid file or the new valid one.
// The temporary file is hidden and does not end in .res: an `include "drbd.d/*.res"` never reads it.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../common/atomic-file.ts';

export function resourceFilePath(dir: string, resource: string): string {
  return path.join(dir, `${resource}.res`);
}

export interface WriteResult {
  readonly path: string;
  /** false when the file already had this content. */
  readonly changed: boolean;
}

async function readIfExists(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
}

/**
 * Writes `content` as the resource's file. `check` is called with the temporary file before it
 * replaces the live one (drbdadm's parser); if it throws, nothing changes.
 */
export async function writeResourceFile(
  dir: string,
  resource: string,
  content: string,
  check: (tmpFile: string) => Promise<unknown>,
): Promise<WriteResult> {
  const file = resourceFilePath(dir, resource);
  if ((await readIfExists(file)) === content) return { path: file, changed: false };
  await writeFileAtomic(file, content, { check });
  return { path: file, changed: true };
}

/** The resource files in `dir` (resource name → file text). */
export async function readResourceFiles(dir: string): Promise<Map<string, string>> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const out = new Map<string, string>();
  for (const n of names.filter((f) => f.endsWith('.res')).sort()) {
    const text = await readIfExists(path.join(dir, n));
    if (text !== undefined) out.set(n.slice(0, -'.res'.length), text);
  }
  return out;
}
