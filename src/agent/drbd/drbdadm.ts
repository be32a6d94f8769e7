// drbdadm, run through the shared command runner. drbdadm chooses a resource file's `on` section
// by this host's name (uname -n); where several agents share one machine (tests), each one runs
// drbdadm inside its own persistent UTS namespace via `nsenter --uts=FILE`, so each sees its own
// host name. The namespace file is made once with `unshare --uts=FILE hostname NAME` (see
// makeUtsNamespace); no shell is involved at any point.
// DRBD 8.4 has its own drbdadm (drbdadm-84, shipped with drbd-utils 9): the 9 one hands over to it
// only when the 8.4 module is loaded, so for 8.4 it is called by name, loaded or not.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { CommandError, run } from '../../common/exec.ts';
import type { DrbdFlavour } from './version.ts';

export interface DrbdadmOptions {
  /** A persistent UTS namespace (bind-mounted nsfs file) to run drbdadm in. @default the host's own */
  readonly utsNamespace?: string;
  /** Which drbdadm: 8.4's (drbdadm-84) or 9's. @default '9' */
  readonly flavour?: DrbdFlavour;
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
  return stderr
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('modinfo: '))
    .join('\n');
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

/** The drbdsetup/drbdmeta command lines a `--dry-run` prints (8.4's name drbdsetup-84 by its full path: shown without it). */
export function parseDryRun(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim().replace(/^\/\S*\//, ''))
    .filter((l) => /^(drbdsetup|drbdmeta)(-84)? /.test(l));
}

const DRBDADM_84 = ['/usr/lib/drbd/drbdadm-84', '/lib/drbd/drbdadm-84'];

/** The drbdadm binary for a flavour; 8.4's lives in drbd-utils' library directory. */
export function drbdadmBinary(flavour: DrbdFlavour = '9'): string {
  if (flavour === '9') return 'drbdadm';
  const found = DRBDADM_84.find((p) => existsSync(p));
  if (!found) throw new Error(`drbdadm-84 is not installed (looked at ${DRBDADM_84.join(', ')}): install drbd-utils`);
  return found;
}

export class Drbdadm {
  constructor(private readonly opts: DrbdadmOptions = {}) {}

  get flavour(): DrbdFlavour {
    return this.opts.flavour ?? '9';
  }

  private exec(args: readonly string[], call: CallOptions = {}) {
    const ns = this.opts.utsNamespace;
    const bin = drbdadmBinary(this.opts.flavour);
    const [command, argv] = ns ? ['nsenter', [`--uts=${ns}`, '--', bin, ...args]] : [bin, args];
    // An empty stdin: a question drbdadm or drbdmeta would ask gets end-of-file (a refusal), never a hang.
    return run(command, argv, { timeoutMs: call.timeoutMs ?? this.opts.timeoutMs ?? 60_000, signal: call.signal, input: '' });
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
