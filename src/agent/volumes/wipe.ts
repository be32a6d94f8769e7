// Clears what a device's previous user left where software looks first: every signature wipefs
// knows (filesystems, RAID, LVM, partition tables, both GPT headers), then the first and last
// WIPE_EDGE_BYTES written with zeros — boot sectors, superblocks, metadata kept at the end (md 1.0,
// DRBD internal metadata, a backup GPT). Run on a reused disk before it is claimed and on a new
// thick LV before it is handed out, so the next tenant finds no old filesystem or header there.
// The middle of a thick LV is not rewritten (that would cost a full write of the volume).
import { open } from 'node:fs/promises';
import { run } from '../../common/exec.ts';
import type { CallScope } from '../../agent-api/call-scope.ts';

export const WIPE_EDGE_BYTES = 4 * 1024 * 1024;

export async function wipeDevice(device: string, scope: CallScope): Promise<void> {
  const opts = { timeoutMs: scope.commandTimeout(60_000), signal: scope.signal };
  await run('wipefs', ['--all', '--quiet', device], opts);
  const size = Number((await run('blockdev', ['--getsize64', device], opts)).stdout.trim());
  if (!Number.isSafeInteger(size) || size <= 0) throw new Error(`blockdev --getsize64 ${device} gave no size`);
  const edge = Math.min(WIPE_EDGE_BYTES, size);
  const zeros = Buffer.alloc(Math.min(edge, 1024 * 1024));
  const fh = await open(device, 'r+');
  try {
    for (const start of new Set([0, size - edge]))
      for (let pos = start; pos < start + edge; pos += zeros.length) {
        scope.check();
        await fh.write(zeros, 0, Math.min(zeros.length, start + edge - pos), pos);
      }
    await fh.sync();
  } finally {
    await fh.close();
  }
}
