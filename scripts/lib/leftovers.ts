// What a test process left on the machine once it exited: loop devices whose file lies under its
// temporary folder (with any LVM volume group on them), mounts under that folder, and processes
// still carrying its run marker in their environment. The runner gives each test process its own
// TMPDIR and marker, so other runs on the same machine are never counted (or touched).
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../../src/common/exec.ts';

/** Environment variable whose value marks every process a test process started. */
export const RUN_MARKER_ENV = 'STRATUM_TEST_RUN';

export interface Leftovers {
  readonly loops: readonly { readonly device: string; readonly file: string }[];
  readonly mounts: readonly string[];
  readonly processes: readonly { readonly pid: number; readonly command: string }[];
}

export async function findLeftovers(root: string, marker: string): Promise<Leftovers> {
  const under = (p: string) => p === root || p.startsWith(`${root}/`);
  const { stdout } = await run('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE']);
  const listed = stdout.trim() ? (JSON.parse(stdout) as { loopdevices: { name: string; 'back-file': string | null }[] }).loopdevices : [];
  const loops = listed
    .map((l) => ({ device: l.name, file: (l['back-file'] ?? '').replace(/ \(deleted\)$/, '') }))
    .filter((l) => under(l.file));
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => unescapeMountPath(line.split(' ')[4] ?? ''))
    .filter(under);
  return { loops, mounts, processes: markedProcesses(`${RUN_MARKER_ENV}=${marker}`) };
}

/** One problem line per leftover, for the run's summary. */
export function describeLeftovers(name: string, l: Leftovers): string[] {
  return [
    ...l.loops.map((x) => `${name}: left loop device ${x.device} (${x.file}) attached, with any volume group on it`),
    ...l.mounts.map((m) => `${name}: left ${m} mounted`),
    ...l.processes.map((p) => `${name}: left process ${p.pid} running: ${p.command}`),
  ];
}

/** Kills, unmounts and detaches what `findLeftovers` found, then removes `root`; returns what could not be undone. */
export async function removeLeftovers(root: string, l: Leftovers): Promise<string[]> {
  const errors: string[] = [];
  for (const p of l.processes) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') errors.push(`kill ${p.pid}: ${(err as Error).message}`);
    }
  }
  for (let i = 0; i < 50 && l.processes.some((p) => isAlive(p.pid)); i++) await sleep(100);
  // Deepest first: a mount inside another must go before it.
  for (const m of [...l.mounts].sort((a, b) => b.length - a.length)) {
    await run('umount', [m])
      .catch(() => run('umount', ['-l', m]))
      .catch((err: Error) => errors.push(err.message));
  }
  for (const x of l.loops) await run('losetup', ['-d', x.device]).catch((err: Error) => errors.push(err.message));
  await rm(root, { recursive: true, force: true }).catch((err: Error) => errors.push(`rm -r ${root}: ${err.message}`));
  return errors;
}

function markedProcesses(entry: string): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = [];
  for (const pid of readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)) {
    if (pid === process.pid) continue;
    let environ: string;
    let command: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      continue; // Ended while we looked, or a kernel thread.
    }
    if (isAlive(pid) && environ.split('\0').includes(entry)) found.push({ pid, command: command.slice(0, 200) });
  }
  return found;
}

/** Exists and is not a zombie (a zombie holds nothing but its pid). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** mountinfo writes space, tab, newline and backslash as octal escapes. */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
