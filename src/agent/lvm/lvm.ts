// The agent's only way to run LVM. Every call gets the agent's LVM environment (its own
// LVM_SYSTEM_DIR, fd warnings off) and a timeout from the call's deadline; changes go through one
// queue per node. Commands run in two long-lived lvm shells (shell.ts), one for changes and one for
// reports, so a report does not wait behind a change. A failed change becomes an AgentError whose
// kind is read from LVM's errors and whose message names the command.
import { CommandError, type RunResult } from '../../common/exec.ts';
import { CallScope } from '../../agent-api/call-scope.ts';
import { AgentError } from '../../agent-api/errors.ts';
import { SerialQueue } from '../serial-queue.ts';
import { classifyLvmError } from './errors.ts';
import { LV_FIELDS, PV_FIELDS, VG_FIELDS, parseLvs, parsePvs, parseVgs, type LvRow, type PvRow, type VgRow } from './report.ts';
import { lvRef, lvremoveArgs, reportArgs } from './commands.ts';
import { RemovalBatch } from './removal-batch.ts';
import { LvmShell, writeShellProfile } from './shell.ts';

const REPORTS = new Set(['lvs', 'vgs', 'pvs']);

/** How long a listing taken for a removal may stand in for the next one during a burst of removals. */
const RECENT_LISTING_MS = 2_000;

/** stderr lines of a report that only say a requested VG does not exist. */
const MISSING_VG_NOISE = [/^Volume group ".*" not found$/, /^Cannot process volume group /, /^WARNING: /, /leaked on .* invocation/];

export interface LvmOptions {
  /** LVM_SYSTEM_DIR for every call; unset uses the host's /etc/lvm. */
  readonly systemDir?: string;
  /** false where the kernel has no device-mapper. */
  readonly activation: boolean;
  /** Longest any single LVM command may run. @default 60_000 */
  readonly commandTimeoutMs?: number;
}

export class Lvm {
  /** Mutating LVM commands of this node, one at a time. */
  readonly changes = new SerialQueue();
  /** LV removals queued for the next `lvremove` (see RemovalBatch.add). */
  readonly removals: RemovalBatch;
  private readonly capMs: number;
  private readonly changeShell: LvmShell;
  private readonly reportShell: LvmShell;
  private profile?: Promise<void>;
  private recent?: { vgs: string; at: number; rows: LvRow[] };

  constructor(readonly options: LvmOptions) {
    const env = { LVM_SUPPRESS_FD_WARNINGS: '1', ...(options.systemDir ? { LVM_SYSTEM_DIR: options.systemDir } : {}) };
    this.changeShell = new LvmShell(env);
    this.reportShell = new LvmShell(env);
    this.capMs = options.commandTimeoutMs ?? 60_000;
    // A batch serves many calls: it runs on its own budget, not on the deadline of the first.
    const scope = (what: string) => CallScope.detached(what, this.capMs);
    this.removals = new RemovalBatch(this.changes, {
      remove: async (lvs) => {
        await this.exec(scope(`lvremove of ${lvs.length} LV(s)`), 'lvremove', lvremoveArgs(lvs));
      },
      existing: async (lvs) => {
        const vgs = [...new Set(lvs.map((l) => l.slice(0, l.indexOf('/'))))];
        const found = new Set((await this.lvs(scope('listing after a failed lvremove'), vgs)).map((l) => lvRef(l.vg, l.name)));
        return new Set(lvs.filter((l) => found.has(l)));
      },
    });
  }

  /** Ends the lvm shells (the agent stops). */
  close(): void {
    this.changeShell.close();
    this.reportShell.close();
  }

  get activation(): boolean {
    return this.options.activation;
  }

  /** Runs one LVM command now (callers that change metadata hold `changes`). */
  async exec(scope: CallScope, command: string, args: readonly string[]): Promise<string> {
    return (await this.runLvm(scope, command, args, [0])).stdout;
  }

  private async runLvm(scope: CallScope, command: string, args: readonly string[], okCodes: readonly number[]): Promise<RunResult> {
    // The profile the shells run with, beside LVM's own config (where LVM looks for profiles).
    const systemDir = this.options.systemDir ?? '/etc/lvm';
    this.profile ??= writeShellProfile(systemDir).catch((err: unknown) => {
      this.profile = undefined;
      throw new Error(`cannot write the lvm shell's profile into ${systemDir}/profile: ${(err as Error).message}`, { cause: err });
    });
    await this.profile;
    const report = REPORTS.has(command);
    const shell = report ? this.reportShell : this.changeShell;
    try {
      const res = await shell.run(command, args, { timeoutMs: scope.commandTimeout(this.capMs), signal: scope.signal, okCodes });
      if (!report) this.followChange(command, args);
      return res;
    } catch (err) {
      if (!report) this.recent = undefined;
      if (err instanceof CommandError && !err.timedOut && err.code !== null) {
        const kind = classifyLvmError(err.stderr);
        if (kind) throw new AgentError(kind, err.message, { cause: err });
      }
      throw err;
    }
  }

  /**
   * The LVs of `vgs` for a caller that holds `changes` and removes one of them: a burst of
   * deletions would otherwise list the VGs once per LV. The previous listing is reused while every
   * change since was an lvremove (taken out of it) and it is younger than RECENT_LISTING_MS; any
   * other change, a failed one, or other VGs list again.
   */
  async lvsForRemoval(scope: CallScope, vgs: readonly string[]): Promise<LvRow[]> {
    const key = vgs.join(' ');
    const r = this.recent;
    if (r && r.vgs === key && Date.now() - r.at < RECENT_LISTING_MS) return r.rows;
    const rows = await this.lvs(scope, vgs);
    this.recent = { vgs: key, at: Date.now(), rows };
    return rows;
  }

  /** Keeps the recent listing true to a change that just succeeded, or drops it. */
  private followChange(command: string, args: readonly string[]): void {
    if (!this.recent) return;
    if (command !== 'lvremove') {
      this.recent = undefined;
      return;
    }
    const removed = new Set(args.filter((a) => !a.startsWith('-')));
    this.recent = { ...this.recent, rows: this.recent.rows.filter((l) => !removed.has(`${l.vg}/${l.name}`)) };
  }

  /** Runs a change after every earlier change of this node. */
  change(scope: CallScope, command: string, args: readonly string[]): Promise<string> {
    return this.changes.run(scope, () => this.exec(scope, command, args));
  }

  /** One `lvs` call; `vgs` narrows it to those volume groups (missing ones are skipped, not errors). */
  async lvs(scope: CallScope, vgs: readonly string[] = []): Promise<LvRow[]> {
    return parseLvs(await this.report(scope, 'lvs', reportArgs(LV_FIELDS, vgs)));
  }

  /** One `vgs` call; missing VGs are simply absent from the result. */
  async vgs(scope: CallScope, vgs: readonly string[] = []): Promise<VgRow[]> {
    return parseVgs(await this.report(scope, 'vgs', reportArgs(VG_FIELDS, vgs)));
  }

  /**
   * A report over named VGs exits 5 when one of them is missing, with the others still in the
   * JSON; any other complaint in stderr makes it a failure, never an empty (misleading) list.
   */
  private async report(scope: CallScope, command: string, args: readonly string[]): Promise<string> {
    const res = await this.runLvm(scope, command, args, [0, 5]);
    if (res.code === 5) {
      const unexpected = res.stderr
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !MISSING_VG_NOISE.some((re) => re.test(l)));
      if (unexpected.length) throw new CommandError(command, args, 5, res.stderr, res.stdout, false);
    }
    return res.stdout || '{"report":[]}';
  }

  async pvs(scope: CallScope): Promise<PvRow[]> {
    return parsePvs(await this.exec(scope, 'pvs', reportArgs(PV_FIELDS)));
  }
}
