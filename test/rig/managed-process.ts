// A long-running test server (etcd, kube-apiserver, …) in its own process group, its output in a
// log file. Stopping it is bounded (SIGTERM to the group, then SIGKILL). On Linux the process also
// gets a parent-death signal through setpriv, so it dies with the test process even when that one
// is SIGKILLed and no cleanup code can run.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, fstatSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';

export interface ManagedProcessOptions {
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  /** Output (stdout and stderr) is appended here. */
  readonly logFile: string;
  /** Time between SIGTERM and SIGKILL. @default 5_000 */
  readonly graceMs?: number;
  /** Extra environment over this process's. @default none */
  readonly env?: Readonly<Record<string, string>>;
}

export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private exitInfo?: string;
  private stopping?: Promise<void>;

  private constructor(private readonly opts: ManagedProcessOptions) {
    this.name = opts.name;
    this.logFile = opts.logFile;
    const log = openSync(opts.logFile, 'a');
    const [cmd, args] = existsSync(SETPRIV)
      ? [SETPRIV, ['--pdeathsig', 'KILL', '--', opts.binary, ...opts.args]]
      : [opts.binary, [...opts.args]];
    try {
      // detached: own process group, so one signal reaches everything it forks and a Ctrl-C in the
      // terminal does not kill it before our teardown has run.
      this.child = spawn(cmd, args, {
        detached: true,
        stdio: ['ignore', log, log],
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
      });
    } finally {
      closeSync(log);
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
        resolve();
      });
      this.child.once('error', (err) => {
        this.exitInfo = `could not start: ${err.message}`;
        resolve();
      });
    });
  }

  static start(opts: ManagedProcessOptions): ManagedProcess {
    return new ManagedProcess(opts);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why the process ended, or undefined while it runs. */
  get exitReason(): string | undefined {
    return this.exitInfo;
  }

  /** Resolves when the process has ended, whatever the reason. */
  whenExited(): Promise<void> {
    return this.exited;
  }

  /** The last `lines` lines of the process's log. */
  tail(lines = 25): string {
    return tailOfFile(this.logFile, lines);
  }

  /** SIGTERM to the group, SIGKILL after the grace period; resolves once the process is gone. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.exitInfo === undefined) {
        this.signalGroup('SIGTERM');
        await raceTimeout(this.exited, this.opts.graceMs ?? 5_000);
      }
      // Also after a clean exit: anything the process forked into its group goes too.
      this.signalGroup('SIGKILL');
      await raceTimeout(this.exited, 5_000);
    })();
    return this.stopping;
  }

  /** Synchronous last resort for process 'exit' handlers, where nothing async runs any more. */
  killNow(): void {
    this.signalGroup('SIGKILL');
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }
}

function raceTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The last `lines` lines of a file (reads at most its last 64 KiB); empty if it cannot be read. */
export function tailOfFile(file: string, lines: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
