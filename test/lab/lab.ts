// A lab: N VMs (LabNode) on one private link, with a test PKI for the agents' mutual TLS. Each
// VM gets its own disks; everything (VMs, the network namespace, temporary files) goes at
// teardown, also when the test process is interrupted.
//
//   const lab = await Lab.start({ nodes: 2, disks: (i) => [...] });
//   try { ... lab.nodes[0].sh('vgs') ... } finally { await lab.teardown(); }
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPERATOR_IDENTITY, agentPeerIdentity, agentServerIdentity } from '../../src/agent-api/identity.ts';
import type { ClientTls } from '../../src/agent-api/client.ts';
import { TestPki } from '../helpers/certs.ts';
import { registerExitCleanup } from '../rig/exit-cleanup.ts';
import { chooseAccel } from './accel.ts';
import { LabNetwork } from './lab-network.ts';
import { LabNode, type LabDisk, type LabKernel } from './lab-node.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LAB_DIR = path.join(ROOT, '.rig', 'lab');
const GiB = 1024 ** 3;

export interface LabOptions {
  /** Number of VMs. */
  readonly nodes: number;
  /** Disks of VM `index` at first boot. @default two 2 GiB virtio disks and one 2 GiB SCSI disk with a WWN */
  readonly disks?: (index: number) => LabDisk[];
  /** @default 1024 for one VM, 768 for more */
  readonly memoryMiB?: number;
  /** Folder name under .rig/test-logs. @default the name of the lab's temporary folder */
  readonly logName?: string;
  /** Extra stratum-agent flags for VM `index`, e.g. its address on the lab link. @default none */
  readonly agentArgs?: (index: number) => string[];
  /** Start the agent in each VM from this checkout. @default true (false: the VMs join a cluster that runs it) */
  readonly agents?: boolean;
  /** The host port of an API server the VMs reach (LabNodeOptions.apiServerPort). @default none */
  readonly apiServerPort?: number;
}

/** Serials and WWNs unique per VM, so two VMs never report the same disk identity. */
export function defaultDisks(index: number): LabDisk[] {
  const n = index + 1;
  return [
    { id: 'vd1', bus: 'virtio', sizeBytes: 2 * GiB, serial: `VIRT-${n}-1` },
    { id: 'vd2', bus: 'virtio', sizeBytes: 2 * GiB, serial: `VIRT-${n}-2` },
    {
      id: 'sd1',
      bus: 'scsi',
      sizeBytes: 2 * GiB,
      serial: `SCSI-${n}-1`,
      wwn: `0x5000c500a1b2c3${(0xd0 + n).toString(16)}`,
      rotational: false,
    },
  ];
}

function labKernel(): LabKernel {
  const kernel = {
    vmlinuz: path.join(LAB_DIR, 'vmlinuz'),
    initrd: path.join(LAB_DIR, 'initrd.gz'),
    modules: path.join(LAB_DIR, 'modules'),
  };
  for (const f of Object.values(kernel)) {
    if (!existsSync(f))
      throw new Error(`${f} is missing: the lab is built by scripts/lab/build (npm test runs it; or 'npm run lab:build')`);
  }
  return kernel;
}

export class Lab {
  readonly nodes: LabNode[] = [];
  /** The certificate tests and the operator present to the agents. */
  clientTls!: Required<ClientTls>;
  private network?: LabNetwork;
  private unregister?: () => void;

  private constructor(
    readonly dir: string,
    readonly logDir: string,
    readonly pki: TestPki,
  ) {}

  /** Boots every VM (in parallel) and starts its agent. Throws, with everything cleaned up, when the lab cannot start. */
  static async start(opts: LabOptions): Promise<Lab> {
    const kernel = labKernel();
    const dir = await mkdtemp(path.join(tmpdir(), 'stratum-lab-'));
    const logDir = path.join(ROOT, '.rig', 'test-logs', opts.logName ?? path.basename(dir));
    // A fresh log folder per run: console logs are appended to over a VM's restarts.
    await rm(logDir, { recursive: true, force: true });
    const lab = new Lab(dir, logDir, await TestPki.create(path.join(dir, 'pki')));
    lab.unregister = registerExitCleanup({ run: () => lab.teardown(), runSync: () => lab.teardownSync() });
    try {
      const client = await lab.pki.issue({ name: 'operator', commonName: 'stratum-operator', uris: [OPERATOR_IDENTITY], usage: 'client' });
      lab.clientTls = { ca: lab.pki.ca.cert, cert: client.cert, key: client.key };
      const accel = await chooseAccel(LAB_DIR, kernel.vmlinuz);
      lab.network = await LabNetwork.create();
      // Node names unique per lab: labs of several test files meet on one control plane.
      const prefix = `lab${randomBytes(2).toString('hex')}`;
      for (let i = 0; i < opts.nodes; i++) {
        const name = `${prefix}-${String.fromCharCode(97 + i)}`;
        // As in a cluster: the agent is verified by the node it serves, not by the address dialled.
        const serving = await lab.pki.issue({ name, commonName: name, uris: [agentServerIdentity(name)], usage: 'server' });
        const peer = await lab.pki.issue({ name: `${name}-peer`, commonName: name, uris: [agentPeerIdentity(name)], usage: 'client' });
        lab.nodes.push(
          new LabNode({
            name,
            dir: path.join(dir, name),
            logDir,
            kernel,
            accel,
            network: lab.network,
            tap: `${lab.network.netns.slice(-6)}t${i}`,
            mac: `52:54:00:77:00:${(0x11 + i).toString(16)}`,
            linkAddress: `192.168.77.${11 + i}/24`,
            disks: (opts.disks ?? defaultDisks)(i),
            agentTls: { ca: lab.pki.ca.cert, cert: serving.cert, key: serving.key, peerCert: peer.cert, peerKey: peer.key },
            clientTls: lab.clientTls,
            memoryMiB: opts.memoryMiB ?? (opts.nodes > 1 ? 768 : 1024),
            apiServerPort: opts.apiServerPort,
          }),
        );
      }
      await Promise.all(
        lab.nodes.map(async (n, i) => {
          await n.boot();
          if (opts.agents !== false) await n.startAgent(opts.agentArgs?.(i) ?? []);
        }),
      );
    } catch (err) {
      await lab.teardown().catch(() => undefined);
      throw err;
    }
    return lab;
  }

  /** The lab link address of a node (without prefix). */
  linkAddress(node: LabNode): string {
    return `192.168.77.${11 + this.nodes.indexOf(node)}`;
  }

  async teardown(): Promise<void> {
    // Disks are temporary: a hard kill is enough and the quickest.
    await Promise.allSettled(this.nodes.map((n) => n.kill()));
    await Promise.allSettled(this.nodes.map((n) => n.keepLogs()));
    await this.network?.destroy().catch(() => undefined);
    this.network = undefined;
    await rm(this.dir, { recursive: true, force: true });
    this.unregister?.();
    this.unregister = undefined;
  }

  private teardownSync(): void {
    for (const n of this.nodes) n.killNow();
    this.network?.destroySync();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
