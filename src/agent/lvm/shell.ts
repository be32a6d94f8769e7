// One long-lived `lvm` process that runs LVM commands one after another, as LVM's own D-Bus
// service does: a command then costs LVM's work only, not a process start (a fork of the agent
// and LVM's own start-up cost about four times the CPU of an lvcreate; docs/performance.md,
// "Provisioning at scale").
// Each command's outcome comes back as one JSON object on a pipe (LVM_REPORT_FD): its report,
// its error lines, and the shell's status line with the command's return code.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { writeFileAtomic } from '../../common/atomic-file.ts';
import { CommandError, commandFinished, type RunResult } from '../../common/exec.ts';
import { SerialQueue } from '../serial-queue.ts';

/** The LVM profile the shell runs with: JSON reports, and a log of errors and each command's status. */
export const SHELL_PROFILE = 'stratum-agent';

const PROFILE_TEXT = `# Written by the Stratum agent for its long-lived lvm shell (src/agent/lvm/shell.ts).
log {
  report_command_log = 1
  command_log_selection = "log_type=error || log_context=shell"
}
report {
  output_format = "json"
}
`;

/** Writes the shell's profile into `<systemDir>/profile/`, where LVM looks for profiles. */
export async function writeShellProfile(systemDir: string): Promise<void> {
  const dir = path.join(systemDir, 'profile');
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, `${SHELL_PROFILE}.profile`), PROFILE_TEXT);
}

interface LogLine {
  readonly log_type: string;
  readonly log_context: string;
  readonly log_object_type: string;
  readonly log_message: string;
  readonly log_ret_code: string;
}

interface ShellReply {
  readonly report?: unknown[];
  readonly log?: LogLine[];
}

const isShellStatus = (l: LogLine) => l.log_context === 'shell' && l.log_object_type === 'cmd' && l.log_type === 'status';

/** LVM's return code for a command that did its work (ECMD_PROCESSED); others equal the exit codes. */
const PROCESSED = '1';

export interface ShellRunOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Exit codes that are not failures. @default [0] */
  readonly okCodes?: readonly number[];
}

/** A word of a command line as LVM's shell splits it (whitespace apart, quotes group). */
export function shellWord(arg: string): string {
  if (/^[A-Za-z0-9_.,:=/@%+-]+$/.test(arg)) return arg;
  if (/[\n\r\0]/.test(arg)) throw new Error(`lvm shell: refusing an argument with a line break: ${JSON.stringify(arg)}`);
  if (!arg.includes('"')) return `"${arg}"`;
  if (!arg.includes("'")) return `'${arg}'`;
  throw new Error(`lvm shell: refusing an argument with both quote kinds: ${JSON.stringify(arg)}`);
}

/** Complete top-level JSON objects at the start of `text`, and what is left after them. */
export function splitObjects(text: string): { objects: string[]; rest: string } {
  const objects: string[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  let consumed = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) {
      objects.push(text.slice(start, i + 1));
      consumed = i + 1;
    }
  }
  return { objects, rest: text.slice(consumed) };
}

interface Waiting {
  readonly resolve: (reply: ShellReply) => void;
  readonly reject: (err: Error) => void;
}

export class LvmShell {
  private child?: ChildProcess;
  private stderr = '';
  private waiting?: Waiting;
  private readonly turns = new SerialQueue();

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Runs one LVM command after every earlier one; resolves like `run` from common/exec. */
  run(command: string, args: readonly string[], opts: ShellRunOptions): Promise<RunResult> {
    return this.turns.run(undefined, () => this.runNow(command, args, opts));
  }

  /** Ends the shell: at the end of its input it exits by itself. */
  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }

  /** Kills the shell in the middle of a command that took too long or was cancelled. */
  private kill(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }

  private async runNow(command: string, args: readonly string[], opts: ShellRunOptions): Promise<RunResult> {
    const started = process.hrtime.bigint();
    const line = `${[command, ...args].map(shellWord).join(' ')}\n`;
    opts.signal?.throwIfAborted();
    const child = this.ensureStarted();
    this.stderr = '';
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      const reply = await new Promise<ShellReply>((resolve, reject) => {
        this.waiting = { resolve, reject };
        const cut = (why: string) => {
          this.kill();
          reject(new CommandError(command, args, null, this.stderr, '', true, new Error(why)));
        };
        timer = setTimeout(() => cut(`no answer within ${opts.timeoutMs} ms`), opts.timeoutMs);
        onAbort = () => cut('the call was cancelled');
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        child.stdin!.write(line);
      });
      const log = reply.log ?? [];
      const status = log.find(isShellStatus)!;
      const code = status.log_ret_code === PROCESSED ? 0 : Number(status.log_ret_code);
      const errors = log.filter((l) => l.log_type === 'error').map((l) => `  ${l.log_message}`);
      const stderr = [...errors, this.stderr.trimEnd()].filter(Boolean).join('\n');
      const stdout = reply.report ? JSON.stringify({ report: reply.report }) : '';
      const ok = (opts.okCodes ?? [0]).includes(code);
      commandFinished(command, started, ok);
      if (!ok) throw new CommandError(command, args, code, stderr, stdout, false);
      return { stdout, stderr, code };
    } catch (err) {
      // No answer at all (cut, or the shell died): counted here; a failed answer was counted above.
      if (err instanceof CommandError && err.code === null) commandFinished(command, started, false);
      throw err;
    } finally {
      clearTimeout(timer);
      if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
      this.waiting = undefined;
    }
  }

  private ensureStarted(): ChildProcess {
    if (this.child) return this.child;
    const child = spawn('lvm', [], {
      env: { ...process.env, ...this.env, LVM_REPORT_FD: '3', LVM_COMMAND_PROFILE: SHELL_PROFILE },
      stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    // Everything below answers only while this process is the current shell: a killed one's last
    // words must not settle the next command.
    const current = () => this.child === child;
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      if (current()) this.stderr = (this.stderr + chunk).slice(-16 * 1024);
    });
    let reports = '';
    (child.stdio[3] as Readable).setEncoding('utf8').on('data', (chunk: string) => {
      if (!current()) return;
      const { objects, rest } = splitObjects(reports + chunk);
      reports = rest;
      for (const text of objects) {
        let reply: ShellReply;
        try {
          reply = JSON.parse(text) as ShellReply;
        } catch (err) {
          // Not what LVM writes there: fail the command (the next one gets a new shell), not the agent.
          this.kill();
          this.waiting?.reject(new CommandError('lvm', ['(shell)'], null, `unreadable report: ${(err as Error).message}`, text, false));
          return;
        }
        // Only the object that carries the shell's status line ends a command.
        if (reply.log?.some(isShellStatus)) this.waiting?.resolve(reply);
      }
    });
    // A write into a shell that died is answered by its exit below.
    child.stdin!.on('error', () => undefined);
    const gone = (why: string) => {
      if (!current()) return;
      this.child = undefined;
      this.waiting?.reject(new CommandError('lvm', ['(shell)'], null, this.stderr, '', false, new Error(why)));
    };
    child.on('error', (err) => gone(`could not run: ${err.message}`));
    child.on('exit', (code, signal) => gone(`the lvm shell exited (${signal ?? code})`));
    return child;
  }
}
