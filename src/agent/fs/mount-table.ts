// The kernel's mount table, read from /proc/self/mountinfo: no command to run, and every field
// Stratum needs — per-mount-point flags, the device number and the root of a bind mount.
import { readFile, realpath } from 'node:fs/promises';

export interface MountEntry {
  /** The mount source: /dev/loop3, or `devtmpfs` for a bind mount of a device node. */
  readonly source: string;
  readonly target: string;
  readonly fsType: string;
  /** Per-mount-point flags (`ro`/`rw`, `nosuid`…), not the filesystem's own options. */
  readonly vfsOptions: readonly string[];
  /** Device number of the mounted filesystem, "major:minor". */
  readonly majMin: string;
  /** Path inside the filesystem that is mounted here ("/" unless a bind mount of a subtree or a file). */
  readonly fsRoot: string;
}

export const MOUNTINFO = '/proc/self/mountinfo';

const unescapeOctal = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/**
 * One entry per line: `id parent major:minor root target options [optional…] - fstype source super`
 * (proc(5)); paths have spaces and other bytes escaped as octal.
 */
export function parseMountInfo(text: string): MountEntry[] {
  const mounts: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const [, , majMin, fsRoot, target, options] = line.slice(0, sep).split(' ');
    const [fsType, source] = line.slice(sep + 3).split(' ');
    if (!target || !source || !majMin || !fsRoot || options === undefined || fsType === undefined) continue;
    const vfsOptions = options.split(',').filter(Boolean);
    mounts.push({
      source: unescapeOctal(source),
      target: unescapeOctal(target),
      fsType,
      vfsOptions,
      majMin,
      fsRoot: unescapeOctal(fsRoot),
    });
  }
  return mounts;
}

export async function readMountTable(mountinfo = MOUNTINFO): Promise<MountEntry[]> {
  return parseMountInfo(await readFile(mountinfo, 'utf8'));
}

/** The mount visible at `target` (the top one when mounts are stacked), or undefined. */
export async function findMount(target: string, mountinfo = MOUNTINFO): Promise<MountEntry | undefined> {
  // The table names canonical paths; a path through a symlink still finds its mount.
  const path = await realpath(target).catch(() => target);
  return (await readMountTable(mountinfo)).filter((m) => m.target === path).at(-1);
}

/** Mount points whose source is one of `devices`. */
export async function mountsOf(devices: readonly string[], mountinfo = MOUNTINFO): Promise<string[]> {
  return (await readMountTable(mountinfo)).filter((m) => devices.includes(m.source)).map((m) => m.target);
}
