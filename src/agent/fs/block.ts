// Raw block volumes: the device node bind-mounted onto a file (what kubelet expects for
// volumeMode: Block), and the device's size.
import { run } from '../../common/exec.ts';
import { deviceNumber, bindMount, type MountResult } from './mount.ts';

/** Bind-mounts the block device `device` onto the file `targetFile` (created if missing). */
export async function publishBlockDevice(
  device: string,
  targetFile: string,
  opts: { readonly readOnly?: boolean } = {},
): Promise<MountResult> {
  await deviceNumber(device); // refuses anything that is not a block device
  return bindMount(device, targetFile, opts);
}

/** Size in bytes of a block device. */
export async function blockDeviceSize(device: string): Promise<number> {
  const { stdout } = await run('blockdev', ['--getsize64', device], { timeoutMs: 30_000 });
  const size = Number(stdout.trim());
  if (!Number.isSafeInteger(size) || size < 0)
    throw new Error(`blockdev --getsize64 ${device} printed ${JSON.stringify(stdout.trim())}, not a size`);
  return size;
}
