// Where a benchmark phase's CPU went, read from /proc: each component's processes with every process
// they started (an agent's `lvm` shells and the commands it forked count as the agents'), and the
// whole machine. On a shared, noisy machine the CPU a volume costs is a steadier figure than its rate.
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second (USER_HZ): 100 on every Linux architecture Node.js runs on. */
const TICKS_PER_SECOND = 100;

/** The component a process belongs to: by its own pid, or by its command name (the control plane's binaries). */
export interface Components {
  readonly byPid: ReadonlyMap<number, string>;
  readonly byCommand: ReadonlyMap<string, string>;
}

export interface CpuReading {
  /** CPU ms per component, its descendants included (those that exited once their parent reaped them). */
  readonly components: Map<string, number>;
  /** Busy CPU ms of the whole machine (all CPUs, idle and iowait left out). */
  readonly machine: number;
}

interface Proc {
  readonly ppid: number;
  readonly command: string;
  /** Its own CPU and that of the children it has reaped, in ticks. */
  readonly ticks: number;
}

export function readCpu(components: Components): CpuReading {
  const procs = new Map<number, Proc>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited since the listing
    }
    // The command name is in parentheses and may hold spaces; the fields after it are fixed.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
    procs.set(Number(entry), {
      ppid: Number(fields[1]),
      command: stat.slice(stat.indexOf('(') + 1, close),
      ticks: utime! + stime! + cutime! + cstime!,
    });
  }
  const componentOf = (pid: number): string | undefined => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      const proc = procs.get(p);
      if (!proc) return undefined;
      const found = components.byPid.get(p) ?? components.byCommand.get(proc.command);
      if (found) return found;
      p = proc.ppid;
    }
    return undefined;
  };
  const totals = new Map<string, number>();
  for (const [pid, proc] of procs) {
    const c = componentOf(pid);
    if (c) totals.set(c, (totals.get(c) ?? 0) + (proc.ticks * 1000) / TICKS_PER_SECOND);
  }
  return { components: totals, machine: machineBusyMs() };
}

function machineBusyMs(): number {
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice" in ticks; guest time is
  // already in user and nice.
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = ticks.slice(0, 8).map(Number);
  const busy = n.reduce((a, b) => a + b, 0) - n[3]! - n[4]!;
  return (busy * 1000) / TICKS_PER_SECOND;
}

/** CPU ms per component between two readings, largest first, and the machine's. */
export function cpuBetween(before: CpuReading, after: CpuReading): { components: [string, number][]; machine: number } {
  const components = [...after.components].map(([c, ms]): [string, number] => [c, ms - (before.components.get(c) ?? 0)]);
  return { components: components.sort((a, b) => b[1] - a[1]), machine: after.machine - before.machine };
}
