// Volume copies (the data of a single-replica volume leaving a node) run here, beside the
// reconcile workers rather than in them: a copy of a large volume takes minutes to hours, and a
// worker held that long is a worker no other volume gets. The reconciler starts a copy, reads its
// progress on each pass, and takes its result when it is done; each step wakes the volume. A copy
// lives in this process only: after a restart the reconciler finds none and starts it again (the
// target is written from the start and verified whole, so a restart is safe).

export interface CopyResult {
  readonly bytes: number;
  readonly sha256: string;
}

export interface VolumeCopy {
  readonly from: string;
  readonly to: string;
  /** Bytes sent so far and in all, as the source last said. */
  readonly copiedBytes?: number;
  readonly totalBytes?: number;
  readonly result?: CopyResult;
  readonly error?: unknown;
  /** Set when the copy was stopped on purpose: why. */
  readonly cancelled?: string;
}

/** Runs one copy: resolves with its result; `progress` as bytes move; stops when `signal` aborts. */
export type CopyRun = (signal: AbortSignal, progress: (copiedBytes: number, totalBytes: number) => void) => Promise<CopyResult>;

/** How often progress wakes the volume (each wake is a status write at most). */
export const PROGRESS_WAKE_MS = 2_000;

interface Running extends VolumeCopy {
  abort: AbortController;
  lastWake: number;
}

export class VolumeCopies {
  private readonly copies = new Map<string, Running>();

  /** `wake(volume)` requeues the volume's reconcile. */
  constructor(private readonly wake: (volume: string) => void) {}

  get(volume: string): VolumeCopy | undefined {
    return this.copies.get(volume);
  }

  /** Whether a copy of the volume is still moving data. */
  running(volume: string): boolean {
    const c = this.copies.get(volume);
    return !!c && !c.result && c.error === undefined && !c.cancelled;
  }

  start(volume: string, from: string, to: string, run: CopyRun): VolumeCopy {
    this.cancel(volume, 'replaced by a new copy');
    const copy: Running = { from, to, abort: new AbortController(), lastWake: 0 };
    this.copies.set(volume, copy);
    const progress = (copiedBytes: number, totalBytes: number) => {
      Object.assign(copy, { copiedBytes, totalBytes });
      if (Date.now() - copy.lastWake < PROGRESS_WAKE_MS) return;
      copy.lastWake = Date.now();
      this.wake(volume);
    };
    run(copy.abort.signal, progress).then(
      (result) => this.settle(volume, copy, { result, copiedBytes: result.bytes, totalBytes: result.bytes }),
      (error: unknown) => this.settle(volume, copy, { error }),
    );
    return copy;
  }

  /** Stops the volume's copy, if one runs; it stays readable (with `cancelled`) until taken. */
  cancel(volume: string, why: string): boolean {
    const c = this.copies.get(volume);
    if (!c || !this.running(volume)) return false;
    Object.assign(c, { cancelled: why });
    c.abort.abort(new Error(why));
    return true;
  }

  /** Forgets a finished copy once its result is acted on. */
  take(volume: string): void {
    if (!this.running(volume)) this.copies.delete(volume);
  }

  private settle(volume: string, copy: Running, outcome: Partial<VolumeCopy>): void {
    if (this.copies.get(volume) !== copy || copy.cancelled) return;
    Object.assign(copy, outcome);
    this.wake(volume);
  }
}
