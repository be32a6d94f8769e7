// Runs tasks one at a time in arrival order: the agent's LVM changes (and its state-file writes)
// go through one queue per node, because concurrent LVM metadata writers on one VG either wait on
// LVM's file lock with a fixed timeout or fail. Reads do not use it and run in parallel.
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
    const settled = result.then(() => undefined, () => undefined).finally(() => this.waiting--);
    this.tail = settled;
    return result;
  }
}
