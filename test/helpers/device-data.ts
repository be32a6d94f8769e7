// Data on a device for tests that move it: random bytes written and synced, and the SHA-256 that
// proves a copied volume holds the same.
import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';

const CHUNK = 4 * 1024 * 1024;

export async function sha256Of(device: string, bytes: number): Promise<string> {
  const fh = await open(device, 'r');
  try {
    const hash = createHash('sha256');
    const buf = Buffer.alloc(CHUNK);
    for (let pos = 0; pos < bytes; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, bytes - pos), pos);
      if (!bytesRead) break;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    return hash.digest('hex');
  } finally {
    await fh.close();
  }
}

/** Writes `bytes` random bytes at the start of the device and syncs them. */
export async function writeRandom(device: string, bytes: number): Promise<void> {
  const fh = await open(device, 'r+');
  try {
    await fh.write(randomBytes(bytes), 0, bytes, 0);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
