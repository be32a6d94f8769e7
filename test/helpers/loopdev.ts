// Loop devices over sparse files for tests: real block devices that cost no disk space.
// Every device made here is detached and its file removed by `cleanup()`, also after a failure;
// a device that cannot be detached fails the cleanup.
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../src/common/exec.ts';
import { cleanupAll } from './cleanup.ts';

export interface LoopDevice {
  readonly device: string;
  readonly file: string;
}

export class LoopDevices {
  private readonly devices: LoopDevice[] = [];
  private dir?: string;
  /** Never reused: a name from the current count could match a file still attached after a detach. */
  private created = 0;

  /** Creates a sparse file of `sizeBytes` and attaches it; `name` is for readable file names only. */
  async create(name: string, sizeBytes: number): Promise<LoopDevice> {
    this.dir ??= await mkdtemp(path.join(tmpdir(), 'stratum-loop-'));
    const file = path.join(this.dir, `${name}-${this.created++}.img`);
    await writeFile(file, '');
    await truncate(file, sizeBytes);
    const { stdout } = await run('losetup', ['--find', '--show', file]);
    const dev = { device: stdout.trim(), file };
    this.devices.push(dev);
    return dev;
  }

  /** Detaches `dev` and deletes its file; throws when the device stays attached to it. */
  async detach(dev: LoopDevice): Promise<void> {
    await detachIfAttached(dev.device, dev.file);
    const i = this.devices.indexOf(dev);
    if (i >= 0) this.devices.splice(i, 1);
    await rm(dev.file, { force: true });
  }

  /** Detaches every device (all are tried) and removes the folder; throws naming each device that stayed. */
  async cleanup(): Promise<void> {
    await cleanupAll(
      'loop devices',
      [...this.devices].reverse().map((dev) => () => this.detach(dev)),
    );
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

/** The file `device` is attached to, or undefined when it is not attached. */
async function backingFile(device: string): Promise<string | undefined> {
  const { stdout } = await run('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE']);
  const loops = stdout.trim() ? (JSON.parse(stdout) as { loopdevices: { name: string; 'back-file': string | null }[] }).loopdevices : [];
  return loops.find((l) => l.name === device)?.['back-file']?.replace(/ \(deleted\)$/, '');
}

/**
 * Detaches `device` if it is still attached to `file` (a test may have detached it already, and
 * the number may since serve another file); throws when it stays attached.
 */
export async function detachIfAttached(device: string, file: string): Promise<void> {
  if ((await backingFile(device)) !== file) return;
  await run('losetup', ['-d', device]);
  // A busy device (mounted, open) is only marked for detach on its last close.
  if ((await backingFile(device)) === file)
    throw new Error(`loop device ${device} (${file}) is still attached after losetup -d: still in use?`);
}
