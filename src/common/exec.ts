// The one way Stratum runs a system command: execFile with an argument array (never a shell
// string), a timeout, captured output, and an error that names the command and carries its stderr.
import { execFile } from 'node:child_process';

export interface RunOptions {
  /** Kill the command after this long. @default 60_000 */
  readonly timeoutMs?: number;
  /** Extra environment, merged over the process environment. */
  readonly env?: NodeJS.ProcessEnv;
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

export function run(command: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeout = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args as string[],
      {
        timeout,
        killSignal: 'SIGKILL',
        maxBuffer: opts.maxBuffer ?? 64 * 1024 * 1024,
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
        signal: opts.signal,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr, code: 0 });
        const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: string };
        const code = typeof e.code === 'number' ? e.code : null;
        if (code !== null && (opts.okCodes ?? [0]).includes(code)) return resolve({ stdout, stderr, code });
        const timedOut = Boolean(e.killed && e.signal === 'SIGKILL' && code === null);
        reject(new CommandError(command, args, code, stderr ?? '', stdout ?? '', timedOut, err));
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
