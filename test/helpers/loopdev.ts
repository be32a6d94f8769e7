// Loop devices over sparse files for tests: real block devices that cost no disk space.
// Every device made here is detached and its file removed by `cleanup()`, also after a failure.
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../src/common/exec.ts';

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

  async detach(dev: LoopDevice): Promise<void> {
    await run('losetup', ['-d', dev.device]).catch(() => undefined);
    const i = this.devices.indexOf(dev);
    if (i >= 0) this.devices.splice(i, 1);
    await rm(dev.file, { force: true });
  }

  async cleanup(): Promise<void> {
    for (const dev of [...this.devices].reverse()) await this.detach(dev);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
