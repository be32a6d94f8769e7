// What a block device holds, read from the device itself (`blkid -p` bypasses the blkid cache,
// which may be stale or absent in a container).
import { run } from '../../common/exec.ts';

export interface Signature {
  /** Filesystem or content type (TYPE=), e.g. ext4, xfs, swap, LVM2_member. */
  readonly type?: string;
  /** Partition table type (PTTYPE=), e.g. gpt, dos. */
  readonly partitionTable?: string;
  /** Several signatures disagree (blkid exit code 8): never safe to format over. */
  readonly ambivalent?: boolean;
}

/** blkid exit codes: 2 = nothing found, 8 = ambivalent (several signatures). */
const BLKID_NOTHING_FOUND = 2;
const BLKID_AMBIVALENT = 8;

/** Parses `blkid -o export` output (KEY=value lines). */
export function parseBlkidExport(stdout: string): Signature {
  const fields = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const type = fields.get('TYPE');
  const partitionTable = fields.get('PTTYPE');
  return { ...(type ? { type } : {}), ...(partitionTable ? { partitionTable } : {}) };
}

/** The device's signature, or undefined when it is blank. */
export async function probeSignature(device: string): Promise<Signature | undefined> {
  const res = await run('blkid', ['-p', '-o', 'export', device], {
    okCodes: [0, BLKID_NOTHING_FOUND, BLKID_AMBIVALENT],
    timeoutMs: 30_000,
  });
  if (res.code === BLKID_NOTHING_FOUND) return undefined;
  if (res.code === BLKID_AMBIVALENT) return { ambivalent: true };
  return parseBlkidExport(res.stdout);
}

export function describeSignature(sig: Signature): string {
  if (sig.ambivalent) return 'several conflicting signatures';
  return (
    [sig.type && `filesystem/content "${sig.type}"`, sig.partitionTable && `partition table "${sig.partitionTable}"`]
      .filter(Boolean)
      .join(' and ') || 'an unknown signature'
  );
}
