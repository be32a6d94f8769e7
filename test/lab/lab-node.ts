// One lab VM = one Kubernetes node: Debian's kernel under qemu, the host's root read-only over 9p
// with a tmpfs overlay (so the VM runs this checkout's bin/stratum-agent and the host's lvm2,
// mkfs, udev), its own disks (virtio with serials, SCSI with WWNs), a link to the other VMs, and
// two loopback port forwards: the agent's gRPC port and the command server tests drive it with.
//
//   await node.boot(); await node.startAgent();
//   await node.sh('lsblk -J');          // throws with the VM, script and stderr on a non-zero exit
//   await node.hotplug({ id: 'd9', bus: 'virtio', sizeBytes: GiB, serial: 'HOT-1' });
//   await node.kill();                  // node loss: the qemu process dies
//   await node.boot();                  // the same disks again (restart() = stop() + boot())
import { copyFile, mkdir, open, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { Server } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_GRPC_PORT } from '../../src/common/constants.ts';
import { createHealthClient, type ClientTls } from '../../src/agent-api/client.ts';
import { ManagedProcess } from '../rig/managed-process.ts';
import { freePort } from '../rig/free-port.ts';
import { qemuBootArgs, type Accel } from './accel.ts';
import type { LabNetwork } from './lab-network.ts';
import { Qmp } from './qmp.ts';
import { forwardUnixSocket, runInVm, waitForCommandServer, type VmResult } from './vm-commands.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GUEST_COMMAND_PORT = 7000;
// Generous: under software emulation on a shared 2-core machine a boot took up to 2 minutes.
const BOOT_TIMEOUT_MS = 300_000;
const AGENT_START_TIMEOUT_MS = 300_000;
/** Where the VM's own share (host: <dir>/share) is mounted in the VM. */
const SHARE = '/lab';
export const GUEST_CSI_SOCKET = '/run/stratum/csi.sock';

export interface LabDisk {
  /** QEMU id of the disk (device `dev-<id>`); also its image file name. */
  readonly id: string;
  readonly bus: 'virtio' | 'scsi';
  readonly sizeBytes: number;
  readonly serial: string;
  /** SCSI only, e.g. '0x5000c500a1b2c3d4'. */
  readonly wwn?: string;
  /** SCSI only: false reports a non-rotational disk (an SSD). @default true */
  readonly rotational?: boolean;
}

/** What scripts/lab/build made (.rig/lab). */
export interface LabKernel {
  readonly vmlinuz: string;
  readonly initrd: string;
  /** A lib/modules tree, shared into the VM at /usr/lib/modules. */
  readonly modules: string;
}

export interface LabNodeOptions {
  /** Host name in the VM and Kubernetes node name. */
  readonly name: string;
  /** Host directory of this VM: disk images, its share, the QMP socket. */
  readonly dir: string;
  /** Console and agent logs are written here. */
  readonly logDir: string;
  readonly kernel: LabKernel;
  readonly accel: Accel;
  readonly network: LabNetwork;
  /** Tap device name on the lab bridge (at most 15 characters). */
  readonly tap: string;
  /** MAC of the VM's NIC on the lab link. */
  readonly mac: string;
  /** Address with prefix on the lab link, e.g. 192.168.77.11/24. */
  readonly linkAddress: string;
  readonly disks: readonly LabDisk[];
  /** The agent's serving certificate, its peer (client) certificate, and the CA that also verifies clients. */
  readonly agentTls: {
    readonly ca: string;
    readonly cert: string;
    readonly key: string;
    readonly peerCert: string;
    readonly peerKey: string;
  };
  /** The client certificate the tests (and the operator) present to the agent. */
  readonly clientTls: ClientTls;
  /** @default 1024 */
  readonly memoryMiB?: number;
  /**
   * The API server's port on the host's loopback: the VM reaches it at API_SERVER_IN_VM on the
   * same port (a forward from the VM's user network; each connection is relayed by `busybox nc`).
   * @default none: the VM cannot reach the host
   */
  readonly apiServerPort?: number;
}

/** Where a VM given `apiServerPort` reaches the host's API server. */
export const API_SERVER_IN_VM = '10.0.2.100';

export class LabNode {
  readonly name: string;
  /** Host port forwarded to the agent's gRPC port in the VM (on 127.0.0.1). */
  agentPort = 0;
  /** Host port forwarded to the VM's command server (on 127.0.0.1). */
  commandPort = 0;
  /** Milliseconds from qemu's start to the end of the VM's boot (udev settled, commands answered), per boot. */
  readonly bootTimesMs: number[] = [];
  private readonly disks = new Map<string, LabDisk>();
  private qemu?: ManagedProcess;
  private qmp?: Qmp;
  private relays: Server[] = [];
  /** The agent's extra arguments of its last start: a node that comes back runs it as before. */
  private agentArgs: readonly string[] = [];

  constructor(private readonly opts: LabNodeOptions) {
    this.name = opts.name;
    for (const d of opts.disks) this.disks.set(d.id, d);
  }

  /** Host folder shared into the VM at /lab (writable; not cached, so both sides see changes at once). */
  get shareDir(): string {
    return path.join(this.opts.dir, 'share');
  }

  /** In-VM path of a file in `shareDir`. */
  inShare(...parts: string[]): string {
    return path.posix.join(SHARE, ...parts);
  }

  get consoleLog(): string {
    return path.join(this.opts.logDir, `${this.name}.console.log`);
  }

  /** The agent's address as the host dials it. */
  get agentAddress(): string {
    return `127.0.0.1:${this.agentPort}`;
  }

  /** Disks attached now (hot-plugged ones included, unplugged ones not). */
  get attachedDisks(): LabDisk[] {
    return [...this.disks.values()];
  }

  get running(): boolean {
    return this.qemu !== undefined && this.qemu.exitReason === undefined;
  }

  /** Starts the VM (again: with the disks it had) and waits until it has booted and its command server answers. */
  async boot(): Promise<void> {
    if (this.running) throw new Error(`${this.name}: already running`);
    const share = this.shareDir;
    await mkdir(path.join(this.opts.dir, 'disks'), { recursive: true });
    await mkdir(path.join(share, 'tls'), { recursive: true });
    await mkdir(this.opts.logDir, { recursive: true });
    for (const [k, file] of Object.entries(this.opts.agentTls)) await copyFile(file, path.join(share, 'tls', `${k}.pem`));
    for (const d of this.disks.values()) await this.ensureImage(d);
    // Ports stay the same over restarts: the agent Pod's port points at them.
    this.agentPort ||= await freePort();
    this.commandPort ||= await freePort();
    await this.opts.network.createTap(this.opts.tap);
    await rm(this.qmpSocket, { force: true });

    const started = Date.now();
    this.qemu = ManagedProcess.start({
      name: this.name,
      binary: 'qemu-system-x86_64',
      args: this.qemuArgs(share),
      logFile: this.consoleLog,
      graceMs: 5_000,
    });
    const alive = () => this.running;
    try {
      this.qmp = await Qmp.connect(this.qmpSocket, this.name);
      // qemu answers QMP only once every device and netdev exists: it holds the tap now.
      await this.opts.network.attach(this.opts.tap);
      await waitForCommandServer(this.commandPort, BOOT_TIMEOUT_MS, alive);
      // The VM's init marks the end of its boot once udev has settled (guest/init).
      await this.sh('while [ ! -e /run/lab-booted ]; do sleep 0.2; done', BOOT_TIMEOUT_MS);
    } catch (err) {
      const why = this.qemu.exitReason ? ` (qemu ${this.qemu.exitReason})` : '';
      await this.kill();
      throw new Error(
        `${this.name}: boot failed${why}: ${(err as Error).message}\n--- console (${this.consoleLog}) ---\n${this.qemu?.tail(30) ?? ''}`,
        { cause: err },
      );
    }
    const ms = Date.now() - started;
    this.bootTimesMs.push(ms);
    process.stdout.write(`[lab] ${this.name}: booted (${this.opts.accel}) in ${(ms / 1000).toFixed(1)} s\n`);
  }

  /** Runs a script in the VM; the result whatever the exit code. */
  exec(script: string, timeoutMs = 60_000): Promise<VmResult> {
    if (!this.running) return Promise.reject(new Error(`${this.name}: not running; cannot run: ${script}`));
    return runInVm(this.commandPort, script, timeoutMs).catch((err: Error) => {
      throw new Error(`${this.name}: running ${JSON.stringify(script)}: ${err.message}`, { cause: err });
    });
  }

  /** Runs a script in the VM and returns its stdout; throws with its exit code and stderr unless it exits 0. */
  async sh(script: string, timeoutMs = 60_000): Promise<string> {
    const res = await this.exec(script, timeoutMs);
    if (res.code !== 0) {
      const how = res.timedOut ? `timed out after ${timeoutMs} ms` : res.signal ? `killed by ${res.signal}` : `exited ${res.code}`;
      throw new Error(`${this.name}: ${JSON.stringify(script)} ${how}: ${res.stderr.trim() || res.stdout.trim()}`);
    }
    return res.stdout;
  }

  /** Starts bin/stratum-agent in the VM (with the last start's extra arguments unless given) and waits until its health service answers SERVING from the host. */
  async startAgent(extraArgs: readonly string[] = this.agentArgs): Promise<number> {
    this.agentArgs = extraArgs;
    const started = Date.now();
    const args = [
      '--node-name',
      this.name,
      '--listen',
      `0.0.0.0:${AGENT_GRPC_PORT}`,
      '--tls-ca',
      `${SHARE}/tls/ca.pem`,
      '--tls-cert',
      `${SHARE}/tls/cert.pem`,
      '--tls-key',
      `${SHARE}/tls/key.pem`,
      '--tls-client-cert',
      `${SHARE}/tls/peerCert.pem`,
      '--tls-client-key',
      `${SHARE}/tls/peerKey.pem`,
      // On the VM's share, so it survives a reboot as /var/lib/stratum does on a real node.
      '--state-dir',
      `${SHARE}/state`,
      '--csi-endpoint',
      `unix://${GUEST_CSI_SOCKET}`,
      '--scan-interval-ms',
      '1000',
      '--shutdown-grace-ms',
      '5000',
      '--log-level',
      'debug',
      ...extraArgs,
    ];
    const quoted = [path.join(ROOT, 'bin/stratum-agent'), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    await this.sh(
      `mkdir -p ${SHARE}/state /run/stratum && echo "--- agent start $(date -u +%T)" >> ${SHARE}/agent.log && ` +
        `{ setsid ${quoted} >> ${SHARE}/agent.log 2>&1 < /dev/null & echo $! > /run/stratum/agent.pid; }`,
    );
    const health = createHealthClient(this.agentAddress, this.opts.clientTls, this.name);
    try {
      const deadline = Date.now() + AGENT_START_TIMEOUT_MS;
      let last = '';
      for (;;) {
        last = await new Promise<string>((resolve) => {
          health.Check({ service: '' }, { deadline: Date.now() + 3_000 }, (err, res) => resolve(err ? err.message : (res?.status ?? '')));
        });
        if (last === 'SERVING') break;
        const exited = await this.exec('kill -0 "$(cat /run/stratum/agent.pid)"', 10_000);
        if (exited.code !== 0) throw new Error(`${this.name}: the agent exited before serving\n${await this.agentLogTail()}`);
        if (Date.now() > deadline)
          throw new Error(
            `${this.name}: the agent did not serve within ${AGENT_START_TIMEOUT_MS} ms (last: ${last})\n${await this.agentLogTail()}`,
          );
        await new Promise((r) => setTimeout(r, 1_000));
      }
    } finally {
      health.close();
    }
    const ms = Date.now() - started;
    // The agent runs on the Node.js the project's install brings, in the VM as on the host.
    const runtime = (await this.sh('/proc/"$(cat /run/stratum/agent.pid)"/exe --version')).trim();
    if (runtime !== process.version) throw new Error(`${this.name}: the agent runs on Node.js ${runtime}, the tests on ${process.version}`);
    process.stdout.write(`[lab] ${this.name}: agent serving on Node.js ${runtime} ${(ms / 1000).toFixed(1)} s after its start\n`);
    return ms;
  }

  /** SIGTERM to the agent, bounded; SIGKILL after 20 s. */
  async stopAgent(): Promise<void> {
    await this.sh(
      'pid=$(cat /run/stratum/agent.pid 2>/dev/null) || exit 0; kill "$pid" 2>/dev/null || exit 0; ' +
        'for i in $(seq 200); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done; kill -9 "$pid"',
      40_000,
    );
  }

  /** The host end of a unix socket inside the VM (e.g. the CSI node socket), at `hostPath`. */
  async forwardSocket(guestPath: string, hostPath: string): Promise<string> {
    this.relays.push(await forwardUnixSocket(this.commandPort, guestPath, hostPath));
    return hostPath;
  }

  /** A clean power-off: the agent stopped, file systems synced, then the kernel powers off. */
  async stop(): Promise<void> {
    if (!this.running) return;
    await this.stopAgent().catch(() => undefined);
    // The connection dies with the VM: no answer is expected.
    await this.exec('sync; echo o > /proc/sysrq-trigger', 10_000).catch(() => undefined);
    await Promise.race([this.qemu!.whenExited(), new Promise((r) => setTimeout(r, 30_000))]);
    await this.halt();
  }

  /** A clean reboot with the same disks (hot-plugged ones included, unplugged ones not). */
  async restart(): Promise<void> {
    await this.stop();
    await this.boot();
  }

  /** Node loss: SIGKILL to qemu, nothing in the VM gets to react. */
  async kill(): Promise<void> {
    this.qemu?.killNow();
    await this.halt();
  }

  /** Attaches a new disk to the running VM through QMP. */
  async hotplug(disk: LabDisk): Promise<void> {
    if (this.disks.has(disk.id)) throw new Error(`${this.name}: disk ${disk.id} is already attached`);
    const qmp = this.requireQmp();
    const file = await this.ensureImage(disk);
    await qmp.execute('blockdev-add', { driver: 'raw', 'node-name': disk.id, file: { driver: 'file', filename: file } });
    await qmp.execute('device_add', deviceProperties(disk));
    this.disks.set(disk.id, disk);
  }

  /** Detaches a disk through QMP; resolves once the guest has released it (DEVICE_DELETED). */
  async unplug(id: string): Promise<void> {
    if (!this.disks.has(id)) throw new Error(`${this.name}: no disk ${id} attached`);
    const qmp = this.requireQmp();
    await qmp.execute('device_del', { id: `dev-${id}` });
    await qmp.waitEvent('DEVICE_DELETED', (d) => d.device === `dev-${id}`, 60_000);
    await qmp.execute('blockdev-del', { 'node-name': id });
    this.disks.delete(id);
  }

  /** Copies the VM's own logs (agent, command server) next to its console log. */
  async keepLogs(): Promise<void> {
    for (const f of ['agent.log', 'command-server.log', 'containerd.log', 'kubelet.log', 'kube-proxy.log']) {
      const src = path.join(this.shareDir, f);
      if (existsSync(src)) await copyFile(src, path.join(this.opts.logDir, `${this.name}.${f}`));
    }
  }

  /** Synchronous last resort for process exit handlers. */
  killNow(): void {
    this.qemu?.killNow();
  }

  private get qmpSocket(): string {
    return path.join(this.opts.dir, 'qmp.sock');
  }

  private requireQmp(): Qmp {
    if (!this.running || !this.qmp) throw new Error(`${this.name}: not running`);
    return this.qmp;
  }

  private async halt(): Promise<void> {
    for (const r of this.relays.splice(0)) r.close();
    this.qmp?.close();
    this.qmp = undefined;
    await this.qemu?.stop();
  }

  private async agentLogTail(): Promise<string> {
    const log = await readFile(path.join(this.opts.dir, 'share', 'agent.log'), 'utf8').catch(() => '');
    return `--- agent log (last lines) ---\n${log.trimEnd().split('\n').slice(-20).join('\n')}`;
  }

  private async ensureImage(disk: LabDisk): Promise<string> {
    const file = path.join(this.opts.dir, 'disks', `${disk.id}.img`);
    if (!existsSync(file)) {
      const fh = await open(file, 'w');
      await fh.truncate(disk.sizeBytes);
      await fh.close();
    }
    return file;
  }

  private qemuArgs(share: string): string[] {
    const o = this.opts;
    const guest = path.join(ROOT, 'test/lab/guest');
    const cmdline = [
      'console=ttyS0',
      'panic=-1',
      'quiet',
      'net.ifnames=0',
      `lab.init=${guest}/init`,
      `lab.commands=${guest}/command-server.mjs`,
      `lab.hostname=${o.name}`,
      `lab.addr=${o.linkAddress}`,
    ].join(' ');
    const virtfs = (p: string, tag: string, ro: boolean) => [
      '-virtfs',
      `local,path=${p},mount_tag=${tag},security_model=passthrough${ro ? ',readonly=on' : ''},multidevs=remap`,
    ];
    const args = [
      '-name',
      o.name,
      ...qemuBootArgs(o.accel, o.memoryMiB ?? 1024, o.kernel.vmlinuz),
      '-initrd',
      o.kernel.initrd,
      '-append',
      cmdline,
      ...virtfs('/', 'host', true),
      ...virtfs(o.kernel.modules, 'modules', true),
      ...virtfs(share, 'lab', false),
      // eth0: user-mode network, restricted (no route out of the VM) but for the forwards.
      '-netdev',
      [
        'user,id=u0,restrict=on',
        `hostfwd=tcp:127.0.0.1:${this.agentPort}-:${AGENT_GRPC_PORT}`,
        `hostfwd=tcp:127.0.0.1:${this.commandPort}-:${GUEST_COMMAND_PORT}`,
        ...(o.apiServerPort ? [`guestfwd=tcp:${API_SERVER_IN_VM}:${o.apiServerPort}-cmd:busybox nc 127.0.0.1 ${o.apiServerPort}`] : []),
      ].join(','),
      '-device',
      'virtio-net-pci,netdev=u0',
      // eth1: the lab link.
      '-netdev',
      `tap,id=n1,ifname=${o.tap},script=no,downscript=no`,
      '-device',
      `virtio-net-pci,netdev=n1,mac=${o.mac}`,
      '-device',
      'virtio-scsi-pci,id=scsi0',
      '-qmp',
      `unix:${this.qmpSocket},server=on,wait=off`,
    ];
    for (const d of this.disks.values()) {
      const file = path.join(o.dir, 'disks', `${d.id}.img`);
      args.push('-blockdev', JSON.stringify({ driver: 'raw', 'node-name': d.id, file: { driver: 'file', filename: file } }));
      args.push(
        '-device',
        Object.entries(deviceProperties(d))
          .map(([k, v]) => (k === 'driver' ? String(v) : `${k}=${v}`))
          .join(','),
      );
    }
    return args;
  }
}

function deviceProperties(d: LabDisk): Record<string, string | number> {
  const common = { drive: d.id, id: `dev-${d.id}`, serial: d.serial };
  if (d.bus === 'virtio') return { driver: 'virtio-blk-pci', ...common };
  return {
    driver: 'scsi-hd',
    ...common,
    bus: 'scsi0.0',
    ...(d.wwn ? { wwn: d.wwn } : {}),
    rotation_rate: d.rotational === false ? 1 : 7200,
  };
}
