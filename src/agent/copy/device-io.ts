// Reading and hashing a block device in chunks, straight from the device node.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { run } from '../../common/exec.ts';

/** Bounds of a copy chunk: large enough to keep the link busy, small enough for gRPC's default 4 MiB message limit. */
export const MIN_CHUNK_BYTES = 4096;
export const MAX_CHUNK_BYTES = 3 * 1024 * 1024;
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;

/** Reads `bytes` from the start of `device`, one chunk at a time, handing each to `onChunk` (a fresh buffer). */
export async function readDevice(
  device: string,
  bytes: number,
  chunkBytes: number,
  onChunk: (chunk: Buffer, offset: number) => Promise<void> | void,
  signal?: AbortSignal,
): Promise<void> {
  const fh = await open(device, 'r');
  try {
    for (let offset = 0; offset < bytes; ) {
      signal?.throwIfAborted();
      const want = Math.min(chunkBytes, bytes - offset);
      const chunk = Buffer.allocUnsafe(want);
      let got = 0;
      // A block device read may return less than asked; a read of 0 bytes means the device ended early.
      while (got < want) {
        const { bytesRead } = await fh.read(chunk, got, want - got, offset + got);
        if (bytesRead === 0) throw new Error(`${device} ended at byte ${offset + got}, ${bytes} expected`);
        got += bytesRead;
      }
      await onChunk(chunk, offset);
      offset += want;
    }
  } finally {
    await fh.close();
  }
}

/**
 * SHA-256 of the first `bytes` of `device` as the device holds them: the kernel's cached pages of
 * the device are written back and dropped first (`blockdev --flushbufs`), so the read goes to the
 * device rather than returning what was just written from memory.
 */
export async function hashDeviceFromDisk(device: string, bytes: number, chunkBytes: number, signal?: AbortSignal): Promise<string> {
  await run('blockdev', ['--flushbufs', device], { timeoutMs: 60_000, signal });
  const hash = createHash('sha256');
  await readDevice(device, bytes, chunkBytes, (c) => void hash.update(c), signal);
  return hash.digest('hex');
}
