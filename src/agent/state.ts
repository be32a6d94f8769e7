// The agent's durable memory, one JSON file in its state directory: which pools it built (so a
// restarted agent knows them) and which disk each disk-backend volume claimed. Written
// atomically (temp file, fsync, rename) so a crash leaves the old or the new state, never half.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../common/atomic-file.ts';
import { SerialQueue } from './serial-queue.ts';

export type Backend = 'lvm' | 'disk';

export interface PoolRecord {
  readonly name: string;
  readonly backend: Backend;
  readonly thin: boolean;
  /** LVM only. */
  readonly vg?: string;
  /** Disk ids. */
  readonly disks: readonly string[];
}

export interface ClaimRecord {
  readonly volumeId: string;
  readonly pool: string;
  readonly diskId: string;
  /** The size the volume was created with (the disk may be larger). */
  readonly requestedBytes: string;
}

export interface AgentState {
  readonly version: 1;
  readonly pools: Readonly<Record<string, PoolRecord>>;
  readonly claims: Readonly<Record<string, ClaimRecord>>;
}

const EMPTY: AgentState = { version: 1, pools: {}, claims: {} };

export class StateStore {
  private readonly writes = new SerialQueue();

  private constructor(
    readonly file: string,
    private state: AgentState,
  ) {}

  static async open(dir: string): Promise<StateStore> {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'state.json');
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (text === undefined) return new StateStore(file, EMPTY);
    const parsed = JSON.parse(text) as AgentState;
    if (parsed.version !== 1) throw new Error(`${file}: unknown state version ${String(parsed.version)}`);
    return new StateStore(file, { version: 1, pools: parsed.pools ?? {}, claims: parsed.claims ?? {} });
  }

  get(): AgentState {
    return this.state;
  }

  /** Applies `change` to a copy and persists it; the in-memory state moves only after the write. */
  update(change: (s: { pools: Record<string, PoolRecord>; claims: Record<string, ClaimRecord> }) => void): Promise<void> {
    return this.writes.run(undefined, async () => {
      const next = { version: 1 as const, pools: { ...this.state.pools }, claims: { ...this.state.claims } };
      change(next);
      await writeFileAtomic(this.file, JSON.stringify(next, null, 2));
      this.state = next;
    });
  }
}
