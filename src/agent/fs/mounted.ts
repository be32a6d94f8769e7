// Which volumes hold a mounted filesystem on this node, and how big it is: what a LocalVolume's
// status shows beside the size of its LV. Matched by device number, so a mount made through any
// name of the device (/dev/<vg>/<lv>, /dev/mapper/…, /dev/drbdN) counts.
import { readMountTable, type MountEntry } from './mount-table.ts';
import { deviceNumber } from './mount.ts';
import { volumeStats } from './stats.ts';

export interface MountedFilesystem {
  readonly type: string;
  readonly sizeBytes: string;
}

/**
 * For each volume id, the filesystem mounted from one of its devices (the staging mount, not a
 * pod's bind mount of it); volumes with nothing mounted are left out. One read of the mount table.
 */
export async function mountedFilesystems(devices: ReadonlyMap<string, readonly string[]>): Promise<Map<string, MountedFilesystem>> {
  const found = new Map<string, MountedFilesystem>();
  if (!devices.size) return found;
  const byDevice = new Map<string, MountEntry>();
  for (const m of await readMountTable()) if (m.fsRoot === '/' && !byDevice.has(m.majMin)) byDevice.set(m.majMin, m);
  for (const [id, paths] of devices) {
    for (const path of paths) {
      const majMin = await deviceNumber(path).catch(() => undefined);
      const mount = majMin ? byDevice.get(majMin) : undefined;
      if (!mount) continue;
      // Unmounted between the table and statfs: reported as not mounted.
      const stats = await volumeStats(mount.target).catch(() => undefined);
      if (stats) found.set(id, { type: mount.fsType, sizeBytes: String(stats.totalBytes) });
      break;
    }
  }
  return found;
}
