// Mount, bind-mount, remount read-only and unmount — each idempotent: a repeat call that finds
// the wanted state is a no-op, a call that finds something else at the target is refused.
import { mkdir, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../../common/exec.ts';
import { FsError } from './errors.ts';
import { findMount, type MountEntry } from './mount-table.ts';
import { assertAbsolutePath, type FsType } from './types.ts';

export interface MountOptions {
  readonly readOnly?: boolean;
  /** Extra mount options, one per element (e.g. "noatime"). */
  readonly options?: readonly string[];
}

export interface MountResult {
  /** false when the target already had the wanted mount. */
  readonly changed: boolean;
}

const MOUNT_TIMEOUT_MS = 60_000;

/** "major:minor" of a block device node, as the mount table gives it. */
export async function deviceNumber(device: string): Promise<string> {
  const st = await stat(device, { bigint: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new FsError('invalid-argument', `${device} does not exist`, { device });
    throw err;
  });
  if (!st.isBlockDevice()) throw new FsError('invalid-argument', `${device} is not a block device`, { device });
  // Linux dev_t layout (see <sys/sysmacros.h>): 12 bits of major and 20 of minor, split.
  const major = ((st.rdev >> 8n) & 0xfffn) | ((st.rdev >> 32n) & ~0xfffn);
  const minor = (st.rdev & 0xffn) | ((st.rdev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

function checkOptions(options: readonly string[]): void {
  for (const o of options) {
    if (!/^[A-Za-z0-9_.=:@/+-]+$/.test(o))
      throw new FsError('invalid-argument', `invalid mount option ${JSON.stringify(o)}`, { option: o });
  }
}

function isReadOnly(entry: MountEntry): boolean {
  return entry.vfsOptions.includes('ro');
}

/** Mounts `device` (holding `fsType`) on the directory `target`, creating the directory. */
export async function mountFilesystem(device: string, target: string, fsType: FsType, opts: MountOptions = {}): Promise<MountResult> {
  assertAbsolutePath('device', device);
  assertAbsolutePath('target', target);
  const extra = opts.options ?? [];
  checkOptions(extra);
  const wanted = await deviceNumber(device);
  await mkdir(target, { recursive: true });
  const existing = await findMount(target);
  if (existing) {
    if (existing.majMin !== wanted || existing.fsRoot !== '/') {
      throw new FsError('mount-conflict', `${target} is already a mount point of ${existing.source}, not ${device}`, {
        device,
        target,
        mounted: existing.source,
      });
    }
    if (Boolean(opts.readOnly) !== isReadOnly(existing)) {
      throw new FsError(
        'mount-conflict',
        `${target} is already mounted from ${device} ${isReadOnly(existing) ? 'read-only' : 'read-write'}`,
        { device, target, readOnly: opts.readOnly },
      );
    }
    return { changed: false };
  }
  const options = [...(opts.readOnly ? ['ro'] : []), ...extra];
  await run('mount', ['-t', fsType, ...(options.length ? ['-o', options.join(',')] : []), device, target], { timeoutMs: MOUNT_TIMEOUT_MS });
  return { changed: true };
}

async function sameInode(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([stat(a, { bigint: true }), stat(b, { bigint: true })]);
  return sa.dev === sb.dev && sa.ino === sb.ino;
}

/** Creates the bind target as the same kind of thing as the source: a directory, or an empty file. */
async function ensureBindTarget(source: string, target: string): Promise<void> {
  const src = await stat(source);
  if (src.isDirectory()) {
    await mkdir(target, { recursive: true });
    return;
  }
  await mkdir(path.dirname(target), { recursive: true });
  const tgt = await stat(target).catch(() => undefined);
  if (tgt?.isDirectory())
    throw new FsError('invalid-argument', `bind target ${target} is a directory but ${source} is not`, { source, target });
  if (!tgt) await (await open(target, 'a')).close();
}

/**
 * Bind-mounts `source` (a directory, file or device node) on `target`. Read-only is applied as a
 * second, per-mount-point step, so the source mount stays writable for its other users.
 */
export async function bindMount(source: string, target: string, opts: { readonly readOnly?: boolean } = {}): Promise<MountResult> {
  assertAbsolutePath('source', source);
  assertAbsolutePath('target', target);
  await ensureBindTarget(source, target);
  const existing = await findMount(target);
  let changed = false;
  if (existing) {
    if (!(await sameInode(source, target))) {
      throw new FsError('mount-conflict', `${target} is already a mount point of ${existing.source}, not a bind mount of ${source}`, {
        source,
        target,
        mounted: existing.source,
      });
    }
    if (!opts.readOnly && isReadOnly(existing)) {
      throw new FsError('mount-conflict', `${target} is already bound from ${source} read-only`, { source, target });
    }
  } else {
    await run('mount', ['--bind', source, target], { timeoutMs: MOUNT_TIMEOUT_MS });
    changed = true;
  }
  if (opts.readOnly) changed = (await remountReadOnly(target)).changed || changed;
  return { changed };
}

/**
 * Makes the mount point at `target` read-only. `remount,bind,ro` changes only this mount point's
 * flags, never the filesystem's superblock, so other mounts of the same filesystem stay writable.
 */
export async function remountReadOnly(target: string): Promise<MountResult> {
  assertAbsolutePath('target', target);
  const existing = await findMount(target);
  if (!existing) throw new FsError('not-mounted', `${target} is not a mount point`, { target });
  if (isReadOnly(existing)) return { changed: false };
  await run('mount', ['-o', 'remount,bind,ro', target], { timeoutMs: MOUNT_TIMEOUT_MS });
  return { changed: true };
}

/** Unmounts `target`; a path that is not a mount point (or does not exist) is a no-op. */
export async function unmount(target: string): Promise<MountResult> {
  assertAbsolutePath('target', target);
  if (!(await findMount(target))) return { changed: false };
  await run('umount', [target], { timeoutMs: MOUNT_TIMEOUT_MS });
  return { changed: true };
}
