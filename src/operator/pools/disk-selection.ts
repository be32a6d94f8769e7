// Which of a node's disks a StoragePool takes. Pure: the reconciler passes the LocalDisks it has
// in cache and gets back the disks to put in the pool, and why each other disk was left out.
import { minimatch } from 'minimatch';
import { parseQuantity } from '../../api/quantity.ts';
import type { LocalDisk, StoragePool } from '../../api/index.ts';
import { compareNames } from '../../common/compare.ts';

export interface DiskChoice {
  readonly selected: LocalDisk[];
  /** Disk name → why it is not in the pool, for status messages and debugging. */
  readonly skipped: Map<string, string>;
}

/** The names a byIdPattern is matched against: every /dev/disk/by-id link, or a loop's backing file. */
function globTargets(disk: LocalDisk): string[] {
  const id = disk.status?.identity;
  const names = [id?.byIdPath, id?.backingFile].filter((s): s is string => Boolean(s));
  return names.flatMap((n) => [n, n.split('/').pop()!]);
}

function whyNot(pool: StoragePool, disk: LocalDisk): string | undefined {
  const status = disk.status;
  if (!status) return 'not yet reported by the agent';
  if (disk.spec.reserved) return 'reserved (spec.reserved)';
  const ownPool = status.pool === pool.metadata.name;
  if (status.pool && !ownPool) return `in pool ${status.pool}`;
  if (status.state === 'Missing') return 'missing from the node';
  if (status.state === 'Unhealthy') return 'unhealthy';
  if (status.state === 'InUse' && !ownPool) return `in use (${status.inUseBy ?? 'by something else'})`;
  const selector = pool.spec.diskSelector ?? {};
  const classes: readonly string[] = selector.mediaClasses ?? [pool.spec.mediaClass];
  const media = disk.spec.mediaClass ?? status.mediaClass ?? status.detectedMediaClass;
  if (!media || !classes.includes(media)) return `media class ${media ?? 'unknown'} is not ${classes.join(' or ')}`;
  const size = status.capacity ? parseQuantity(status.capacity) : 0n;
  if (selector.minSize && size < parseQuantity(selector.minSize)) return `smaller than ${selector.minSize}`;
  if (selector.maxSize && size > parseQuantity(selector.maxSize)) return `larger than ${selector.maxSize}`;
  if (selector.byIdPattern && !globTargets(disk).some((n) => minimatch(n, selector.byIdPattern!)))
    return `does not match ${selector.byIdPattern}`;
  return undefined;
}

/** A disk already in the pool stays selected, so a pool never loses disks to a selector edit. */
export function selectDisks(pool: StoragePool, nodeDisks: readonly LocalDisk[]): DiskChoice {
  const selected: LocalDisk[] = [];
  const skipped = new Map<string, string>();
  for (const disk of [...nodeDisks].sort((a, b) => compareNames(a.metadata.name!, b.metadata.name!))) {
    const inPool = disk.status?.pool === pool.metadata.name && disk.status?.state !== 'Missing';
    const reason = inPool ? undefined : whyNot(pool, disk);
    if (reason) skipped.set(disk.metadata.name!, reason);
    else selected.push(disk);
  }
  return { selected, skipped };
}
