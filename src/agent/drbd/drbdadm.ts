// drbdadm, run through the shared command runner. drbdadm chooses a resource file's `on` section
// by this host's name (uname -n); where several agents share one machine (tests), each one runs
// drbdadm inside its own persistent UTS namespace via `nsenter --uts=FILE`, so each sees its own
// host name. The namespace file is made once with `unshare --uts=FILE hostname NAME` (see
// makeUtsNamespace); no shell is involved at any point.
import { writeFile } from 'node:fs/promises';
import { CommandError, run } from '../../common/exec.ts';

export interface DrbdadmOptions {
  /** A persistent UTS namespace (bind-mounted nsfs file) to run drbdadm in. @default the host's own */
  readonly utsNamespace?: string;
  /** @default 60_000 */
  readonly timeoutMs?: number;
}

export interface CallOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** drbdadm refused a resource file; `line` points at the offending line when drbdadm names it. */
export class DrbdConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly detail: string,
    cause?: unknown,
  ) {
    super(`drbdadm refused ${file}${line !== undefined ? ` at line ${line}` : ''}: ${detail}`, { cause });
    this.name = 'DrbdConfigError';
  }
}

/** Without the kernel module, every drbdadm call also prints modinfo's complaint; it says nothing about the call. */
export function withoutModinfoNoise(stderr: string): string {
  return stderr.split('\n').filter((l) => l.trim() && !l.startsWith('modinfo: ')).join('\n');
}

/** `FILE:LINE: message` as drbdadm's parser reports it. */
export function parseConfigError(file: string, stderr: string): { line?: number; detail: string } {
  const clean = withoutModinfoNoise(stderr);
  const base = file.split('/').at(-1) ?? file;
  for (const l of clean.split('\n')) {
    const m = /^(.*?):(\d+): (.*)$/.exec(l);
    if (m && (m[1] === file || m[1]?.endsWith(base))) {
      const rest = clean.slice(clean.indexOf(l) + l.length).trim();
      return { line: Number(m[2]), detail: [m[3], rest].filter(Boolean).join(' ').replace(/\s+/g, ' ') };
    }
  }
  return { detail: clean.replace(/\s+/g, ' ').trim() || 'no message' };
}

/** The drbdsetup/drbdmeta command lines a `--dry-run` prints. */
export function parseDryRun(stdout: string): string[] {
  return stdout.split('\n').map((l) => l.trim()).filter((l) => /^(drbdsetup|drbdmeta) /.test(l));
}

export class Drbdadm {
  constructor(private readonly opts: DrbdadmOptions = {}) {}

  private exec(args: readonly string[], call: CallOptions = {}) {
    const ns = this.opts.utsNamespace;
    const [command, argv] = ns ? ['nsenter', [`--uts=${ns}`, '--', 'drbdadm', ...args]] : ['drbdadm', args];
    return run(command, argv, { timeoutMs: call.timeoutMs ?? this.opts.timeoutMs ?? 60_000, signal: call.signal });
  }

  /** Parses `file` with drbdadm's own parser; resolves to the normalised config, throws DrbdConfigError. */
  async check(file: string, call: CallOptions = {}): Promise<string> {
    try {
      return (await this.exec(['-c', file, 'dump', 'all'], call)).stdout;
    } catch (err) {
      if (!(err instanceof CommandError) || err.code === null) throw err;
      const { line, detail } = parseConfigError(file, err.stderr);
      throw new DrbdConfigError(file, line, detail, err);
    }
  }

  /** The commands `drbdadm <subcommand> <resource>` would run, without touching the kernel. */
  async dryRun(file: string, subcommand: readonly string[], resource: string, call: CallOptions = {}): Promise<string[]> {
    const res = await this.exec(['-c', file, '--dry-run', ...subcommand, resource], call);
    return parseDryRun(res.stdout);
  }

  /** Runs `drbdadm <subcommand> <resource>` for real (needs the DRBD kernel module). */
  async apply(file: string, subcommand: readonly string[], resource: string, call: CallOptions = {}): Promise<void> {
    await this.exec(['-c', file, ...subcommand, resource], call);
  }
}

/** Makes a persistent UTS namespace at `file` whose host name is `hostname`; undo with `umount FILE`. */
export async function makeUtsNamespace(file: string, hostname: string): Promise<void> {
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(hostname)) throw new Error(`${JSON.stringify(hostname)} is not a host name`);
  // unshare binds the new namespace onto an existing file.
  await writeFile(file, '', { flag: 'a' });
  await run('unshare', [`--uts=${file}`, 'hostname', hostname], { timeoutMs: 10_000 });
}
