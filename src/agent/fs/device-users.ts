// Who is using a block device, in any form: a filesystem mounted from it under any of its names
// (/dev/vg/lv, /dev/mapper/vg-lv, /dev/dm-3: the mount table's device number says), its device
// node bind-mounted somewhere (a Block volume published to a pod), a device stacked on it
// (device-mapper, DRBD, md: sysfs holders), or any other exclusive opener (the kernel refuses a
// second O_EXCL open). A volume copy reads only a device nobody uses, so what it sends is what
// stays on the disk.
import { constants } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { MOUNTINFO, readMountTable } from './mount-table.ts';

export interface DeviceUsersOptions {
  readonly mountinfo?: string;
  readonly sysfs?: string;
}

/** major:minor of a device number as Linux encodes it (glibc's gnu_dev_major/minor). */
export function majMin(rdev: bigint): string {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/** What uses `device`, one phrase each ("mounted at /mnt/x"); empty when nothing does. */
export async function deviceUsers(device: string, opts: DeviceUsersOptions = {}): Promise<string[]> {
  const st = await stat(device, { bigint: true });
  if (!st.isBlockDevice()) return [];
  const id = majMin(st.rdev);
  const users: string[] = [];
  for (const m of await readMountTable(opts.mountinfo ?? MOUNTINFO)) {
    if (m.majMin === id) users.push(`mounted at ${m.target}`);
    // A bind mount of a single device node: its root is the node's path inside devtmpfs.
    else if (m.fsRoot !== '/') {
      const target = await stat(m.target, { bigint: true }).catch(() => undefined);
      if (target?.isBlockDevice() && target.rdev === st.rdev) users.push(`bind-mounted at ${m.target}`);
    }
  }
  const holders = await readdir(path.join(opts.sysfs ?? '/sys', 'dev', 'block', id, 'holders')).catch(() => [] as string[]);
  if (holders.length) users.push(`held by ${holders.join(', ')}`);
  if (!users.length) {
    const fh = await open(device, constants.O_RDONLY | constants.O_EXCL).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EBUSY') users.push('opened exclusively by another user');
      else throw err;
    });
    await fh?.close();
  }
  return users;
}
