// LV removals of one node gathered into one `lvremove`: LVM reads, writes and commits the whole
// VG's metadata once per command, so a burst of deletions pays that once per batch instead of once
// per LV (100 LVs of a 300-LV VG, metadata only: 0.14–0.25 s in one command, 0.88 s one by one).
import type { SerialQueue } from '../serial-queue.ts';
import type { LvRef } from './commands.ts';

export interface RemovalCommands {
  /** One lvremove of all of `lvs`; rejects when any of them was not removed. */
  remove(lvs: readonly LvRef[]): Promise<void>;
  /** Which of `lvs` still exist. */
  existing(lvs: readonly LvRef[]): Promise<ReadonlySet<LvRef>>;
}

export class RemovalBatch {
  private next?: { readonly lvs: Set<LvRef>; readonly failures: Promise<ReadonlyMap<LvRef, unknown>> };

  /** `queue` is the node's change queue: a batch runs as one task of it. */
  constructor(
    private readonly queue: SerialQueue,
    private readonly commands: RemovalCommands,
  ) {}

  /**
   * Queues `lvs` for the next batch, which runs as the next task of the change queue with every
   * removal queued until then. Call it while holding the queue and await the answer after letting
   * go of it (awaiting inside would wait for a task behind one's own). Rejects with the error for
   * the first of `lvs` that was not removed.
   */
  add(lvs: readonly LvRef[]): Promise<void> {
    let batch = this.next;
    if (!batch) {
      const gathered = new Set<LvRef>();
      const failures = this.queue.run(undefined, () => {
        this.next = undefined;
        return this.removeAll([...gathered]);
      });
      batch = this.next = { lvs: gathered, failures };
    }
    for (const lv of lvs) batch.lvs.add(lv);
    return batch.failures.then((failed) => {
      for (const lv of lvs) if (failed.has(lv)) throw failed.get(lv);
    });
  }

  /**
   * A batch that fails may have removed some of its LVs: those still there are removed one at a
   * time, so each caller gets the answer for its own LVs and none is told of another's failure.
   */
  private async removeAll(lvs: readonly LvRef[]): Promise<ReadonlyMap<LvRef, unknown>> {
    const failures = new Map<LvRef, unknown>();
    try {
      await this.commands.remove(lvs);
      return failures;
    } catch (err) {
      if (lvs.length === 1) return failures.set(lvs[0]!, err);
    }
    const left = await this.commands.existing(lvs).catch(() => new Set(lvs));
    for (const lv of lvs.filter((l) => left.has(l))) await this.commands.remove([lv]).catch((err: unknown) => failures.set(lv, err));
    return failures;
  }
}
