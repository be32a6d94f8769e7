// What a handler knows about the call it serves: the time left before the client's deadline and
// a signal that fires when the call is cancelled or the deadline passes. Commands take their
// timeout and abort signal from here, so no command outlives the call that asked for it.
import type * as grpc from '@grpc/grpc-js';
import { deadlineExceeded } from './errors.ts';

/** Used when the client set no deadline. */
export const DEFAULT_CALL_BUDGET_MS = 120_000;

export class CallScope {
  readonly signal: AbortSignal;
  private readonly deadlineAt: number;

  constructor(
    deadline: grpc.Deadline | undefined,
    private readonly what: string,
    defaultBudgetMs = DEFAULT_CALL_BUDGET_MS,
  ) {
    const at = deadline instanceof Date ? deadline.getTime() : typeof deadline === 'number' ? deadline : Infinity;
    this.deadlineAt = Number.isFinite(at) ? at : Date.now() + defaultBudgetMs;
    const controller = new AbortController();
    this.signal = controller.signal;
    const ms = Math.max(0, this.deadlineAt - Date.now());
    const timer = setTimeout(() => controller.abort(deadlineExceeded(`${what}: deadline passed`)), ms);
    timer.unref();
    this.abort = (reason: unknown) => {
      clearTimeout(timer);
      controller.abort(reason);
    };
    this.done = () => clearTimeout(timer);
  }

  /** Aborts every command started under this scope. */
  readonly abort: (reason: unknown) => void;
  /** Stops the deadline timer once the call has answered. */
  readonly done: () => void;

  /** Milliseconds left before the deadline (0 when past it). */
  remainingMs(): number {
    return Math.max(0, this.deadlineAt - Date.now());
  }

  /** A command timeout: the time left, capped at `capMs`. Throws when no time is left. */
  commandTimeout(capMs = Infinity): number {
    this.check();
    return Math.max(1, Math.min(capMs, this.remainingMs()));
  }

  /** Throws DeadlineExceeded when the call was cancelled or its deadline passed. */
  check(): void {
    if (this.signal.aborted || this.remainingMs() === 0) throw deadlineExceeded(`${this.what}: cancelled or past its deadline`);
  }

  /** A scope without a client: for startup work and tests. */
  static detached(what: string, budgetMs = DEFAULT_CALL_BUDGET_MS): CallScope {
    return new CallScope(Date.now() + budgetMs, what);
  }
}
