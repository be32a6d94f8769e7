// Which DRBD a node replicates with. The in-tree module of Debian/Ubuntu kernels is DRBD 8.4: one
// peer per resource, its own config dialect (no node ids, no connection mesh) and its own drbdadm
// (drbdadm-84, shipped with drbd-utils 9). DRBD 9 (out of tree) connects up to 32 nodes; Stratum
// uses three. The loaded module wins, then the installed one, then what the operator of the agent
// declared (--drbd-version, for machines without the module where drbdadm can only dry-run).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { run } from '../../common/exec.ts';

export type DrbdFlavour = '8.4' | '9';

export interface DrbdVersion {
  /** e.g. "8.4.11". */
  readonly version: string;
  readonly flavour: DrbdFlavour;
  /** Replicas of one volume this DRBD connects: 2 for 8.4, 3 for 9. */
  readonly maxReplicas: number;
  /** The module is loaded: commands run for real. Otherwise drbdadm only checks and dry-runs. */
  readonly loaded: boolean;
  /** Where the version was read: the loaded module, the installed one (modinfo), or --drbd-version. */
  readonly source: 'loaded' | 'installed' | 'assumed';
}

export const PROC_DRBD = '/proc/drbd';

/** "8.4.11" → 8.4, "9.2.8" → 9; anything else is not a DRBD Stratum can drive. */
export function flavourOf(version: string): DrbdFlavour | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version.trim());
  if (!m) return undefined;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major === 8 && minor === 4) return '8.4';
  if (major === 9) return '9';
  return undefined;
}

export function drbdVersion(version: string, source: DrbdVersion['source']): DrbdVersion | undefined {
  const flavour = flavourOf(version);
  if (!flavour) return undefined;
  return { version: version.trim(), flavour, maxReplicas: flavour === '8.4' ? 2 : 3, loaded: source === 'loaded', source };
}

/** The version on /proc/drbd's first line: `version: 8.4.11 (api:1/proto:86-101)`. */
export function parseProcVersion(text: string): string | undefined {
  return /^version:\s*(\S+)/m.exec(text)?.[1];
}

/** Detects the node's DRBD; `assumed` is used only where no module is installed at all. */
export async function detectDrbd(assumed?: string): Promise<DrbdVersion | undefined> {
  if (existsSync(PROC_DRBD)) {
    const version = parseProcVersion(await readFile(PROC_DRBD, 'utf8').catch(() => ''));
    if (version) return drbdVersion(version, 'loaded');
  }
  const installed = await run('modinfo', ['-F', 'version', 'drbd'], { timeoutMs: 10_000 }).then(
    (r) => r.stdout.trim(),
    () => '',
  );
  if (installed) return drbdVersion(installed, 'installed');
  return assumed ? drbdVersion(assumed, 'assumed') : undefined;
}

/** Loads an installed but unloaded module, so the resource can come up for real. */
export async function loadDrbdModule(): Promise<boolean> {
  if (existsSync(PROC_DRBD)) return true;
  await run('modprobe', ['drbd'], { timeoutMs: 30_000 });
  return existsSync(PROC_DRBD);
}
