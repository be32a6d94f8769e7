// The one way Stratum runs a system command: execFile with an argument array (never a shell
// string), a timeout, captured output, and an error that names the command and carries its stderr.
// Every finished command is published on COMMAND_CHANNEL, so a process can time its commands
// (the agent's metrics) without each caller doing it.
import { execFile } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import path from 'node:path';

/** What COMMAND_CHANNEL publishes when a command ends. */
export interface CommandFinished {
  /** The program's base name, e.g. `lvcreate`, `drbdadm`, `mkfs.ext4`. */
  readonly command: string;
  readonly seconds: number;
  readonly ok: boolean;
}

export const COMMAND_CHANNEL = diagnostics.channel('stratum:command-finished');

export interface RunOptions {
  /** Kill the command after this long. @default 60_000 */
  readonly timeoutMs?: number;
  /** Extra environment, merged over the process environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory. @default the process's */
  readonly cwd?: string;
  /** Bytes written to the command's stdin. */
  readonly input?: string | Buffer;
  /** Exit codes that count as success. @default [0] */
  readonly okCodes?: readonly number[];
  /** Largest stdout accepted. @default 64 MiB */
  readonly maxBuffer?: number;
  readonly signal?: AbortSignal;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** A command that failed to start, exited non-zero, or timed out. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
    readonly stdout: string,
    readonly timedOut: boolean,
    cause?: unknown,
  ) {
    const what = timedOut ? 'timed out' : code === null ? 'could not run' : `exited ${code}`;
    const detail = stderr.trim() || (cause instanceof Error ? cause.message : '');
    super(`${[command, ...args].join(' ')} ${what}${detail ? `: ${detail}` : ''}`, { cause });
    this.name = 'CommandError';
  }
}

/** Publishes a finished command on COMMAND_CHANNEL (`started` from process.hrtime.bigint()). */
export function commandFinished(command: string, started: bigint, ok: boolean): void {
  if (!COMMAND_CHANNEL.hasSubscribers) return;
  COMMAND_CHANNEL.publish({
    command: path.basename(command),
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    ok,
  } satisfies CommandFinished);
}

export function run(command: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeout = opts.timeoutMs ?? 60_000;
  const started = process.hrtime.bigint();
  const finished = (ok: boolean) => commandFinished(command, started, ok);
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args as string[],
      {
        timeout,
        killSignal: 'SIGKILL',
        maxBuffer: opts.maxBuffer ?? 64 * 1024 * 1024,
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
        cwd: opts.cwd,
        signal: opts.signal,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: string }) | null;
        const code = e ? (typeof e.code === 'number' ? e.code : null) : 0;
        const ok = !e || (code !== null && (opts.okCodes ?? [0]).includes(code));
        finished(ok);
        if (!e) return resolve({ stdout, stderr, code: 0 });
        if (ok) return resolve({ stdout, stderr, code: code! });
        const timedOut = Boolean(e.killed && e.signal === 'SIGKILL' && code === null);
        reject(new CommandError(command, args, code, stderr ?? '', stdout ?? '', timedOut, e));
      },
    );
    if (opts.input !== undefined) {
      // A command that exits without reading its input closes the pipe first: its exit status
      // says how it went, the failed write says nothing.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.input);
    }
  });
}
