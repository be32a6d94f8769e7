// Replace a file so that a reader, or a crash, sees either the old content or the new — never a
// half-written file: write a temporary file beside it, fsync, optionally check it, rename, fsync
// the directory.
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Called with the complete temporary file before it replaces `file`; if it throws, nothing changes. */
  readonly check?: (tmpFile: string) => Promise<unknown>;
  /** @default 0o644 */
  readonly mode?: number;
}

export async function writeFileAtomic(file: string, content: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  // Hidden and with its own suffix, so globs over the directory (e.g. `*.res`, `*.json`) skip it.
  const tmp = path.join(dir, `.${path.basename(file)}.${randomUUID()}.tmp`);
  try {
    const fh = await open(tmp, 'wx', opts.mode ?? 0o644);
    try {
      await fh.writeFile(content);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await opts.check?.(tmp);
    await rename(tmp, file);
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } finally {
    await rm(tmp, { force: true });
  }
}
