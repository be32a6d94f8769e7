// The durable record of a volume copy on the receiving node: one JSON file per volume,
// `<dir>/<volume id>.json`. It says `incomplete` from before the first byte is written until the
// data on the device has been read back and matched the sender's checksum; only then `complete`.
// A crash, a cut stream or a mismatch leaves `incomplete`, so nothing can take the copy for done.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../common/atomic-file.ts';
import { checkName } from '../validate.ts';

export type CopyState = 'incomplete' | 'complete';

export interface CopyMarker {
  readonly volumeId: string;
  readonly state: CopyState;
  /** Size announced by the sender's header. */
  readonly expectedBytes: number;
  /** Bytes written to the device so far. */
  readonly receivedBytes: number;
  /** Verified SHA-256 of the device's first expectedBytes (complete only). */
  readonly sha256?: string;
  /** Why the copy is incomplete ("receiving" while it runs, or after a crash). */
  readonly reason?: string;
  readonly updatedAt: string;
}

export class CopyMarkers {
  constructor(readonly dir: string) {}

  file(volumeId: string): string {
    return path.join(this.dir, `${checkName('volume', volumeId)}.json`);
  }

  async write(marker: Omit<CopyMarker, 'updatedAt'>): Promise<CopyMarker> {
    const full = { ...marker, updatedAt: new Date().toISOString() };
    await writeFileAtomic(this.file(marker.volumeId), `${JSON.stringify(full, null, 2)}\n`);
    return full;
  }

  async read(volumeId: string): Promise<CopyMarker | undefined> {
    const text = await readFile(this.file(volumeId), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    return text === undefined ? undefined : (JSON.parse(text) as CopyMarker);
  }

  /** Every marker, for reporting (e.g. next to ListVolumes). */
  async list(): Promise<CopyMarker[]> {
    const names = await readdir(this.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    const out: CopyMarker[] = [];
    for (const n of names.filter((f) => f.endsWith('.json') && !f.startsWith('.')).sort()) {
      const m = await this.read(n.slice(0, -'.json'.length)).catch(() => undefined);
      if (m) out.push(m);
    }
    return out;
  }
}
