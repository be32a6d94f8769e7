// lvm.conf for an agent that runs with its own LVM_SYSTEM_DIR: LVM then sees only the devices
// the filter accepts, keeps its locks, archives and backups in that directory, and — where the
// kernel has no device-mapper — runs with activation off, so metadata changes are real and LV
// device nodes are not (docs/testing.md, "What the test machine cannot exercise").
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../common/atomic-file.ts';

export interface LvmConfOptions {
  /** Device paths LVM may use; everything else is rejected. */
  readonly devices: readonly string[];
  /** false where the kernel has no device-mapper. */
  readonly activation: boolean;
  /** Directory for LVM's lock files. @default `<systemDir>/lock` */
  readonly lockDir?: string;
}

/** Metadata archives LVM keeps per volume group (the newest ones). */
export const ARCHIVES_KEPT = 50;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function renderLvmConf(systemDir: string, opts: LvmConfOptions): string {
  for (const dev of opts.devices) {
    if (!/^\/dev\/[A-Za-z0-9._/-]+$/.test(dev)) throw new Error(`lvm.conf: refusing device path ${JSON.stringify(dev)}`);
  }
  const filter = [...opts.devices.map((d) => `"a|^${escapeRegex(d)}$|"`), '"r|.*|"'].join(', ');
  const lockDir = opts.lockDir ?? path.join(systemDir, 'lock');
  return `# Written by Stratum for one agent; see src/agent/lvm/config.ts.
devices {
  filter = [ ${filter} ]
  global_filter = [ ${filter} ]
  obtain_device_list_from_udev = 0
  use_devicesfile = 0
  hints = "none"
}
global {
  activation = ${opts.activation ? 1 : 0}
  locking_dir = "${lockDir}"
  # Synchronous direct I/O: LVM sets up and tears down an async I/O context for every command,
  # and the kernel's io_destroy waits out an RCU grace period (about 34 ms of each 45 ms
  # lvcreate here); with a handful of devices, async I/O has nothing to overlap.
  use_aio = 0
}
activation {
  udev_sync = 0
  udev_rules = 0
}
backup {
  # LVM archives the whole VG's metadata before every change and keeps 30 days of archives by
  # default: thousands of files on a busy node, hundreds of KiB each, all stat-ed on every change.
  # The last ${ARCHIVES_KEPT} are enough to step back with vgcfgrestore.
  retain_days = 0
  retain_min = ${ARCHIVES_KEPT}
}
`;
}

/** Writes `<systemDir>/lvm.conf` atomically (LVM reads it on every command). */
export async function writeLvmConf(systemDir: string, opts: LvmConfOptions): Promise<string> {
  const file = path.join(systemDir, 'lvm.conf');
  await writeFileAtomic(file, renderLvmConf(systemDir, opts));
  return file;
}

/** Whether the kernel has a device-mapper driver (it registers a misc device). */
export async function hasDeviceMapper(procMisc = '/proc/misc'): Promise<boolean> {
  const misc = await readFile(procMisc, 'utf8').catch(() => '');
  return /\bdevice-mapper\b/.test(misc);
}
