// What is mounted at a path, from `findmnt --json` (the kernel's mount table, read by util-linux).
import { run } from '../../common/exec.ts';

export interface MountEntry {
  /** e.g. /dev/loop3, or `devtmpfs[/loop3]` for a bind mount of a device node. */
  readonly source: string;
  readonly target: string;
  readonly fsType: string;
  /** Per-mount-point flags (`ro`/`rw`, `nosuid`…), not the filesystem's own options. */
  readonly vfsOptions: readonly string[];
  /** Device number of the mounted filesystem, "major:minor". */
  readonly majMin: string;
  /** Path inside the filesystem that is mounted here ("/" unless a bind mount of a subtree). */
  readonly fsRoot: string;
}

const COLUMNS = 'SOURCE,TARGET,FSTYPE,VFS-OPTIONS,MAJ:MIN,FSROOT';
/** findmnt exits 1 when nothing matches. */
const FINDMNT_NOT_FOUND = 1;

export function parseFindmntJson(stdout: string): MountEntry[] {
  if (!stdout.trim()) return [];
  const doc = JSON.parse(stdout) as { filesystems?: Array<Record<string, string | null | undefined>> };
  return (doc.filesystems ?? []).map((fs) => ({
    source: fs.source ?? '',
    target: fs.target ?? '',
    fsType: fs.fstype ?? '',
    vfsOptions: (fs['vfs-options'] ?? '').split(',').filter(Boolean),
    majMin: fs['maj:min'] ?? '',
    fsRoot: fs.fsroot ?? '',
  }));
}

/** The mount visible at `target` (the top one when mounts are stacked), or undefined. */
export async function findMount(target: string): Promise<MountEntry | undefined> {
  const res = await run('findmnt', ['--json', '--output', COLUMNS, '--mountpoint', target], { okCodes: [0, FINDMNT_NOT_FOUND], timeoutMs: 30_000 });
  if (res.code === FINDMNT_NOT_FOUND) return undefined;
  return parseFindmntJson(res.stdout).at(-1);
}
