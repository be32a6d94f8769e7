// Teardown that must also happen when the test process is interrupted (Ctrl-C, SIGTERM from the
// test runner's timeout) or exits without running its `finally` blocks. Each registered cleanup
// has an async form (used on signals) and a synchronous form (the only thing a process 'exit'
// handler can run).

export interface ExitCleanup {
  /** Full, bounded teardown. */
  readonly run: () => Promise<void>;
  /** Kill and delete synchronously; must not throw. */
  readonly runSync: () => void;
}

const pending = new Set<ExitCleanup>();
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

function onExit(): void {
  for (const c of pending) c.runSync();
}

function onSignal(signal: keyof typeof SIGNAL_EXIT_CODES): void {
  process.stderr.write(`[rig] ${signal}: stopping the control plane processes\n`);
  void Promise.allSettled([...pending].map((c) => c.run())).finally(() => process.exit(SIGNAL_EXIT_CODES[signal]));
}

function install(): void {
  process.on('exit', onExit);
  for (const signal of Object.keys(SIGNAL_EXIT_CODES) as (keyof typeof SIGNAL_EXIT_CODES)[]) process.on(signal, onSignal);
}

function uninstall(): void {
  process.off('exit', onExit);
  for (const signal of Object.keys(SIGNAL_EXIT_CODES) as (keyof typeof SIGNAL_EXIT_CODES)[]) process.off(signal, onSignal);
}

/** Registers a cleanup until the returned function is called (after a normal teardown). */
export function registerExitCleanup(cleanup: ExitCleanup): () => void {
  if (pending.size === 0) install();
  pending.add(cleanup);
  return () => {
    if (pending.delete(cleanup) && pending.size === 0) uninstall();
  };
}
