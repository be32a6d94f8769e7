// The VMs' private link: a bridge inside a network namespace made for one lab, with one tap device
// per VM. qemu itself runs in the host's namespace, because its user-mode network must listen on
// the host's loopback for the port forwards (the only way the host reaches a VM); so each tap is
// created in the host's namespace, opened by qemu, then moved into the lab's namespace and
// enslaved to the bridge. Nothing in the lab namespace has a route anywhere: frames between VMs
// stay on that bridge. The host's side of a tap never carries an address.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { run } from '../../src/common/exec.ts';

const BRIDGE = 'labbr0';

export class LabNetwork {
  private constructor(readonly netns: string) {}

  static async create(): Promise<LabNetwork> {
    const netns = `stratum-lab-${randomBytes(3).toString('hex')}`;
    await run('ip', ['netns', 'add', netns]);
    const net = new LabNetwork(netns);
    try {
      await net.inNs('ip', ['link', 'set', 'lo', 'up']);
      await net.inNs('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
      await net.inNs('ip', ['link', 'set', BRIDGE, 'up']);
    } catch (err) {
      await net.destroy();
      throw err;
    }
    return net;
  }

  /** A tap in the host's namespace for qemu to open; call `attach` once qemu has it. */
  async createTap(name: string): Promise<void> {
    await run('ip', ['tuntap', 'del', 'dev', name, 'mode', 'tap']).catch(() => undefined);
    await this.inNs('ip', ['link', 'del', name]).catch(() => undefined);
    await run('ip', ['tuntap', 'add', 'dev', name, 'mode', 'tap']);
  }

  /** Moves the tap (held open by qemu) into the lab namespace and onto the bridge. */
  async attach(name: string): Promise<void> {
    await run('ip', ['link', 'set', name, 'netns', this.netns]);
    await this.inNs('ip', ['link', 'set', name, 'master', BRIDGE]);
    await this.inNs('ip', ['link', 'set', name, 'up']);
  }

  /** Deleting the namespace deletes the bridge and every tap in it. */
  async destroy(): Promise<void> {
    await run('ip', ['netns', 'del', this.netns]);
  }

  destroySync(): void {
    try {
      execFileSync('ip', ['netns', 'del', this.netns], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // Already gone, or the process is exiting anyway.
    }
  }

  private inNs(cmd: string, args: readonly string[]): Promise<unknown> {
    return run('ip', ['netns', 'exec', this.netns, cmd, ...args]);
  }
}
