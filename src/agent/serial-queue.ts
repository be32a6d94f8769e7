// Runs tasks one at a time in arrival order: the agent's LVM changes (and its state-file writes)
// go through one queue per node, because concurrent LVM metadata writers on one VG either wait on
// LVM's file lock with a fixed timeout or fail. Reads do not use it and run in parallel. The CSI
// node calls of one volume take turns the same way, in one queue per volume.
import type { CallScope } from '../agent-api/call-scope.ts';

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** Tasks queued or running. */
  get length(): number {
    return this.waiting;
  }

  /** Runs `task` after every earlier task; a task whose call is past its deadline by then does not start. */
  run<T>(scope: CallScope | undefined, task: () => Promise<T>): Promise<T> {
    this.waiting++;
    const result = this.tail.then(() => {
      scope?.check();
      return task();
    });
    const settled = result
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => this.waiting--);
    this.tail = settled;
    return result;
  }
}

/** One SerialQueue per key (a volume id): tasks of one key take turns, other keys run in parallel. */
export class KeyedSerialQueue {
  private readonly queues = new Map<string, { readonly queue: SerialQueue; pending: number }>();

  run<T>(key: string, scope: CallScope | undefined, task: () => Promise<T>): Promise<T> {
    const entry = this.queues.get(key) ?? { queue: new SerialQueue(), pending: 0 };
    this.queues.set(key, entry);
    entry.pending++;
    const result = entry.queue.run(scope, task);
    // An idle key's queue is dropped, so the map holds only volumes with calls in flight.
    const release = () => {
      if (--entry.pending === 0) this.queues.delete(key);
    };
    result.then(release, release);
    return result;
  }

  /** Keys with tasks queued or running. */
  get size(): number {
    return this.queues.size;
  }
}
