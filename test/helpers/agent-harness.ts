// Real stratum-agent processes for tests. Each agent runs `src/agent/main.ts` under tsx (as it
// runs for real) on its own loopback address (127.0.0.2, 127.0.0.3, …, port chosen by the
// kernel), with its own loop devices, LVM_SYSTEM_DIR (lvm.conf accepting only its loops,
// activation off without device-mapper), state directory, and serving and peer certificates
// naming its node from one TestPki — or, with `bootstrap`, certificates it gets from an operator
// endpoint with a ServiceAccount token. Everything is undone by `cleanup()`, also after a failed test or a crashed agent.
//
//   const h = await AgentHarness.start({ agents: 2, loopsPerAgent: 2 });
//   try {
//     const [a] = h.agents;
//     const res = await callAgent(a.client, 'ListDisks', {});
//     await a.lvm('vgs', ['--reportformat', 'json']);   // look behind the agent's back
//   } finally { await h.cleanup(); }
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { ServiceError } from '@grpc/grpc-js';
import type { Test } from 'uvu';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/common/exec.ts';
import {
  callAgent,
  createAgentClient,
  createHealthClient,
  type AgentClient,
  type ClientIdentity,
  type HealthClient,
} from '../../src/agent-api/client.ts';
import { hasDeviceMapper, writeLvmConf } from '../../src/agent/lvm/config.ts';
import { COMMAND_METRIC } from '../../src/agent/metrics.ts';
import { makeUtsNamespace } from '../../src/agent/drbd/drbdadm.ts';
import { vgName } from '../../src/agent/pools/service.ts';
import { agentPeerIdentity, agentServerIdentity, OPERATOR_IDENTITY } from '../../src/agent-api/identity.ts';
import { cleanupAll } from './cleanup.ts';
import { LoopDevices, type LoopDevice } from './loopdev.ts';
import { TestPki } from './certs.ts';
import { summedSamples } from './prometheus-text.ts';

export { callAgent };

/** The gRPC error of a call that must fail; throws when it succeeds. */
export async function refused(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('call succeeded but should have been refused');
}

/**
 * Starts a harness before `suite`'s tests (then hands it to `ready`) and cleans it up after. uvu
 * does not report a failed `before` hook, so a setup failure fails every test with its error.
 */
export function withAgentHarness(suite: Test, opts: AgentHarnessOptions, ready: (h: AgentHarness) => void | Promise<void>): void {
  let harness: AgentHarness | undefined;
  let setupError: unknown;
  suite.before(async () => {
    try {
      harness = await AgentHarness.start(opts);
      await ready(harness);
    } catch (err) {
      setupError = err;
    }
  });
  suite.before.each(() => {
    if (setupError) throw setupError;
  });
  suite.after(async () => {
    await harness?.cleanup();
  });
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(ROOT, 'src/agent/main.ts');
const COMPILED_MAIN = path.join(ROOT, 'dist/agent/main.js');
const GiB = 1024 ** 3;

export interface AgentHarnessOptions {
  /** Number of agents. @default 1 */
  readonly agents?: number;
  /** Loop devices attached per agent before it starts. @default 2 */
  readonly loopsPerAgent?: number;
  /** Size of each loop device's sparse file. @default 1 GiB */
  readonly loopSizeBytes?: number;
  /** Disk rescan period. @default 1000 */
  readonly scanIntervalMs?: number;
  /** Extra stratum-agent flags for every agent, e.g. ['--pv-metadata-size', '64m']. */
  readonly extraArgs?: readonly string[];
  /** Run dist/agent/main.js (`npm run build`), as production does, instead of the source under tsx. @default false */
  readonly compiled?: boolean;
  /** Options for node itself, before the entry point (a benchmark's `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
  /**
   * Give each agent a DRBD config dir and a UTS namespace named after the node, so drbdadm on
   * one machine sees each agent as its own host (ConfigureReplication checks that). @default false
   */
  readonly drbd?: boolean;
  /**
   * With `drbd`: the DRBD version each agent assumes (there is no module here), per agent in the
   * order they are added; the last one repeats. @default ['9.2.0']
   */
  readonly drbdVersions?: readonly string[];
  /** Kubernetes node names of the agents, in order. @default node-a, node-b, … */
  readonly nodeNames?: readonly string[];
  /**
   * Agents get their certificates from an operator endpoint instead of the TestPki; set the
   * harness's `clientTls` to an operator certificate of the same CA before adding agents.
   */
  readonly bootstrap?: {
    readonly url: string;
    /** Trust bundle file (the operator's CA). */
    readonly ca: string;
    /** The token file of the agent of `node`. */
    readonly tokenFile: (node: string) => string;
    /** --tls-reload-ms. @default 10_000 */
    readonly reloadMs?: number;
  };
}

export class TestAgent {
  /** `host:port` the agent serves on; set once started. */
  address = '';
  /** `http://host:port` of the agent's /metrics; set once started. */
  metricsUrl = '';
  /** `http://host:port` of the agent's /healthz; set once started. */
  healthUrl = '';
  /** `--node-name` at the next start; a test that names its Kubernetes Node otherwise sets it so NodeGetInfo agrees. @default name */
  nodeName?: string;
  private loopDir?: string;
  private created = 0;
  private child?: ChildProcess;
  private output = '';
  private clients: { agent?: AgentClient; health?: HealthClient } = {};

  constructor(
    /** Node name: node-a, node-b, … */
    readonly name: string,
    /** 127.0.0.2, 127.0.0.3, … */
    readonly host: string,
    readonly dir: string,
    readonly loops: LoopDevices,
    readonly attached: LoopDevice[],
    private readonly harness: AgentHarness,
    private readonly extraArgs: readonly string[],
    private readonly bootstrap?: AgentHarnessOptions['bootstrap'],
    /** node's own arguments and the entry point. */
    private readonly launch: readonly string[] = ['--import', 'tsx', MAIN],
  ) {}

  get lvmSystemDir(): string {
    return path.join(this.dir, 'lvm');
  }

  get stateDir(): string {
    return path.join(this.dir, 'state');
  }

  /** The agent's CSI node service socket (every test agent serves one). */
  get csiEndpoint(): string {
    return `unix://${path.join(this.dir, 'csi.sock')}`;
  }

  /** Glob of this agent's loop backing files: its whole disk filter (no loops yet: matches nothing). */
  get diskFilter(): string {
    return this.loopDir ? path.join(this.loopDir, '*') : path.join(this.dir, 'no-loops', '*');
  }

  /** The node the agent serves now (its certificates name it). */
  get node(): string {
    return this.nodeName ?? this.name;
  }

  /** Where a bootstrapping agent writes its certificates. */
  get tlsDir(): string {
    return path.join(this.dir, 'tls');
  }

  /** Agent client authenticated with the harness's client certificate (the operator's identity). */
  get client(): AgentClient {
    this.clients.agent ??= createAgentClient(this.address, this.harness.clientTls, this.node);
    return this.clients.agent;
  }

  get health(): HealthClient {
    this.clients.health ??= createHealthClient(this.address, this.harness.clientTls, this.node);
    return this.clients.health;
  }

  /** Process id of the running agent (a restart changes it). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Everything the agent printed (JSON log lines), for failure messages. */
  logs(): string {
    return this.output;
  }

  /** The system commands the agent has run so far, from its own /metrics: how many of each, and the seconds they took. */
  async commandTotals(timeoutMs = 5_000): Promise<{ count: Map<string, number>; seconds: Map<string, number> }> {
    const text = await (await fetch(`${this.metricsUrl}/metrics`, { signal: AbortSignal.timeout(timeoutMs) })).text();
    const byCommand = (label: (name: string) => string) => label('command');
    return {
      count: summedSamples(text, `${COMMAND_METRIC}_count`, byCommand),
      seconds: summedSamples(text, `${COMMAND_METRIC}_sum`, byCommand),
    };
  }

  /** The commands the agent ran during `action`, as `command×times`, sorted. */
  async commandsDuring(action: () => Promise<unknown>): Promise<string[]> {
    const before = (await this.commandTotals()).count;
    await action();
    const after = (await this.commandTotals()).count;
    return [...after]
      .filter(([cmd, n]) => n !== (before.get(cmd) ?? 0))
      .map(([cmd, n]) => `${cmd}×${n - (before.get(cmd) ?? 0)}`)
      .sort();
  }

  /** Runs an LVM command as this agent would (its LVM_SYSTEM_DIR); returns stdout. */
  async lvm(command: string, args: readonly string[]): Promise<string> {
    const { stdout } = await run(command, args, { env: { LVM_SYSTEM_DIR: this.lvmSystemDir, LVM_SUPPRESS_FD_WARNINGS: '1' } });
    return stdout;
  }

  /** The rows of a `vgs` or `lvs` JSON report of `fields` (sizes in bytes, no unit), as this agent's LVM sees them. */
  async lvmReport<T = Record<string, string>>(command: 'vgs' | 'lvs', fields: string, args: readonly string[] = []): Promise<T[]> {
    const out = await this.lvm(command, ['--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', fields, ...args]);
    const report = (JSON.parse(out) as { report: Partial<Record<'vg' | 'lv', T[]>>[] }).report[0]!;
    return report[command === 'vgs' ? 'vg' : 'lv']!;
  }

  /** `vgs` of the volume group that backs `pool` on this agent; undefined where there is none. */
  async poolVg(pool: string): Promise<Record<string, string> | undefined> {
    return (await this.lvmReport('vgs', 'vg_name,vg_size,vg_free,pv_count')).find((r) => r.vg_name === vgName(pool));
  }

  /** Attaches one more loop device for this agent (visible to its disk filter and its LVM). */
  async addLoop(sizeBytes = GiB): Promise<LoopDevice> {
    // A fresh name each time: LoopDevices numbers files by its current count, which repeats after a detach.
    const loop = await this.loops.create(`disk${this.created++}`, sizeBytes);
    this.loopDir ??= path.dirname(loop.file);
    this.attached.push(loop);
    await this.writeLvmConf();
    return loop;
  }

  /** Detaches one of this agent's loop devices and deletes its file. */
  async removeLoop(loop: LoopDevice): Promise<void> {
    await this.loops.detach(loop);
    this.attached.splice(this.attached.indexOf(loop), 1);
    await this.writeLvmConf();
  }

  async writeLvmConf(): Promise<void> {
    await writeLvmConf(this.lvmSystemDir, { devices: this.attached.map((l) => l.device), activation: await hasDeviceMapper() });
  }

  /** Starts the agent process and waits until its health service answers SERVING. */
  async start(): Promise<void> {
    const args = [
      ...this.launch,
      '--node-name',
      this.node,
      '--listen',
      `${this.host}:${this.address ? this.address.split(':')[1] : '0'}`,
      '--metrics-listen',
      `${this.host}:0`,
      '--health-listen',
      `${this.host}:0`,
      ...(await this.tlsArgs()),
      '--state-dir',
      this.stateDir,
      '--lvm-system-dir',
      this.lvmSystemDir,
      '--disks',
      this.diskFilter,
      '--csi-endpoint',
      this.csiEndpoint,
      ...this.extraArgs,
    ];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_NAME: '', LVM_SYSTEM_DIR: '' },
    });
    this.child = child;
    this.harness.track(child);
    const append = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-256 * 1024);
    };
    child.stderr!.on('data', append);
    const serving = await new Promise<{ address: string; metrics: string; health: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: agent did not start within 30 s\n${this.output}`)), 30_000);
      let pending = '';
      child.stdout!.on('data', (b: Buffer) => {
        append(b);
        pending += b.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.includes('"msg":"agent serving"')) continue;
          const { address, metrics, health } = JSON.parse(line) as { address: string; metrics: string; health: string };
          clearTimeout(timer);
          resolve({ address, metrics, health });
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.name}: agent exited (${code ?? signal}) before serving\n${this.output}`));
      });
    });
    this.address = serving.address;
    this.metricsUrl = `http://${serving.metrics}`;
    this.healthUrl = `http://${serving.health}`;
    this.clients = {};
    await this.waitServing();
  }

  /** Certificates naming the node the agent serves now: its own, or from the operator endpoint. */
  private async tlsArgs(): Promise<string[]> {
    if (this.bootstrap) {
      return [
        '--tls-ca',
        this.bootstrap.ca,
        '--tls-cert',
        path.join(this.tlsDir, 'tls.crt'),
        '--tls-key',
        path.join(this.tlsDir, 'tls.key'),
        '--bootstrap-url',
        this.bootstrap.url,
        '--bootstrap-token-file',
        this.bootstrap.tokenFile(this.node),
        '--tls-reload-ms',
        String(this.bootstrap.reloadMs ?? 10_000),
      ];
    }
    const pki = this.harness.pki;
    const serving = await pki.issue({ name: this.name, commonName: this.node, uris: [agentServerIdentity(this.node)], usage: 'server' });
    const peer = await pki.issue({
      name: `${this.name}-peer`,
      commonName: this.node,
      uris: [agentPeerIdentity(this.node)],
      usage: 'client',
    });
    return [
      '--tls-ca',
      pki.ca.cert,
      '--tls-cert',
      serving.cert,
      '--tls-key',
      serving.key,
      '--tls-client-cert',
      peer.cert,
      '--tls-client-key',
      peer.key,
    ];
  }

  private async waitServing(): Promise<void> {
    const until = Date.now() + 15_000;
    for (;;) {
      const status = await new Promise<string>((resolve) => {
        this.health.Check({ service: '' }, { deadline: Date.now() + 2_000 }, (err, res) =>
          resolve(err ? err.message : (res?.status ?? '')),
        );
      });
      if (status === 'SERVING') return;
      if (Date.now() > until) throw new Error(`${this.name}: health never SERVING (last: ${status})\n${this.output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * Freezes the agent (SIGSTOP): its sockets still accept connections but nothing answers, as on
   * a hung node. `resume()` (SIGCONT) undoes it; call it in a `finally`.
   */
  pause(): void {
    if (!this.child?.kill('SIGSTOP')) throw new Error(`${this.name}: cannot pause the agent: not running`);
  }

  resume(): void {
    if (!this.child?.kill('SIGCONT')) throw new Error(`${this.name}: cannot resume the agent: not running`);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed). */
  async stop(graceMs = 15_000): Promise<number | null> {
    this.clients.agent?.close();
    this.clients.health?.close();
    this.clients = {};
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }

  /** Last-resort teardown when the test process exits without `cleanup()` (crash, signal). */
  teardownSync(): void {
    const env = { ...process.env, LVM_SYSTEM_DIR: this.lvmSystemDir, LVM_SUPPRESS_FD_WARNINGS: '1' };
    const quiet = (cmd: string, args: string[]) => {
      try {
        execFileSync(cmd, args, { env, stdio: 'ignore', timeout: 20_000 });
      } catch {
        // Best effort: the process is exiting anyway.
      }
    };
    this.child?.kill('SIGKILL');
    // Without its lvm.conf (no loop ever added) LVM would see every device of the machine.
    if (!existsSync(path.join(this.lvmSystemDir, 'lvm.conf'))) return;
    let vgs = '';
    try {
      vgs = execFileSync('vgs', ['--noheadings', '-o', 'vg_name'], {
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 20_000,
      });
    } catch {
      vgs = '';
    }
    for (const vg of vgs
      .split('\n')
      .map((v) => v.trim())
      .filter(Boolean))
      quiet('vgremove', ['-ff', '--yes', vg]);
    for (const l of this.attached) {
      quiet('pvremove', ['-ff', '--yes', l.device]);
      quiet('losetup', ['-d', l.device]);
      rmSync(l.file, { force: true });
    }
    if (this.loopDir) rmSync(this.loopDir, { recursive: true, force: true });
  }

  /** Removes every VG/PV this agent's LVM sees and detaches its loops; every step is tried, any failure thrown. */
  async teardown(): Promise<void> {
    const names = async (cmd: string, field: string) =>
      (await this.lvm(cmd, ['--noheadings', '-o', field]))
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean);
    await cleanupAll(`${this.name}: teardown`, [
      () => this.stop(5_000),
      async () => {
        // Without its lvm.conf (no loop ever added) LVM would see every device of the machine.
        if (!existsSync(path.join(this.lvmSystemDir, 'lvm.conf'))) return;
        for (const vg of await names('vgs', 'vg_name')) await this.lvm('vgremove', ['-ff', '--yes', vg]);
        // Only devices that carry a PV: others may hold a filesystem a test made, or nothing.
        const pvs = await names('pvs', 'pv_name');
        const devices = this.attached.map((l) => l.device).filter((d) => pvs.includes(d));
        if (devices.length) await this.lvm('pvremove', ['-ff', '--yes', ...devices]);
        const left = await names('vgs', 'vg_name');
        if (left.length) throw new Error(`volume groups left: ${left.join(', ')}`);
      },
      () => this.loops.cleanup(),
    ]);
  }
}

export class AgentHarness {
  readonly agents: TestAgent[] = [];
  /** Certificate the tests (playing the operator) present to the agents: TestPki files, or a renewing source. */
  clientTls!: ClientIdentity;
  private readonly children = new Set<ChildProcess>();
  /** nsfs mounts of the agents' UTS namespaces (opts.drbd). */
  private readonly utsNamespaces: string[] = [];
  private readonly onExit = () => {
    for (const c of this.children) c.kill('SIGKILL');
    for (const a of this.agents) a.teardownSync();
    for (const ns of this.utsNamespaces) {
      try {
        execFileSync('umount', [ns], { stdio: 'ignore', timeout: 10_000 });
      } catch {
        // Best effort: the process is exiting anyway.
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  };
  private readonly onSignal = (signal: NodeJS.Signals) => {
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };

  private constructor(
    readonly dir: string,
    readonly pki: TestPki,
  ) {
    process.once('exit', this.onExit);
    process.once('SIGTERM', this.onSignal);
    process.once('SIGINT', this.onSignal);
  }

  static async start(opts: AgentHarnessOptions = {}): Promise<AgentHarness> {
    const dir = await mkdtemp(path.join(tmpdir(), 'stratum-agents-'));
    const harness = new AgentHarness(dir, await TestPki.create(path.join(dir, 'pki')));
    try {
      const client = await harness.pki.issue({
        name: 'operator',
        commonName: 'stratum-operator',
        uris: [OPERATOR_IDENTITY],
        usage: 'client',
      });
      harness.clientTls = { ca: harness.pki.ca.cert, cert: client.cert, key: client.key };
      const count = opts.agents ?? 1;
      for (let i = 0; i < count; i++) await harness.addAgent(opts);
      return harness;
    } catch (err) {
      await harness.cleanup();
      throw err;
    }
  }

  /** Starts one more agent (node-<letter> on the next loopback address). */
  async addAgent(opts: AgentHarnessOptions = {}): Promise<TestAgent> {
    const i = this.agents.length;
    const name = `node-${String.fromCharCode(97 + i)}`;
    const host = `127.0.0.${i + 2}`;
    const agentDir = path.join(this.dir, name);
    const loops = new LoopDevices();
    const drbdArgs: string[] = [];
    if (opts.drbd) {
      const uts = path.join(this.dir, `uts-${name}`);
      await makeUtsNamespace(uts, name);
      this.utsNamespaces.push(uts);
      const versions = opts.drbdVersions ?? ['9.2.0'];
      drbdArgs.push(
        '--drbd-uts-namespace',
        uts,
        '--drbd-config-dir',
        path.join(agentDir, 'drbd.d'),
        '--drbd-version',
        versions[Math.min(i, versions.length - 1)]!,
      );
    }
    const agent = new TestAgent(
      name,
      host,
      agentDir,
      loops,
      [],
      this,
      [
        ...drbdArgs,
        '--scan-interval-ms',
        String(opts.scanIntervalMs ?? 1_000),
        // info at least: the harness learns the bound port from the "agent serving" line.
        '--log-level',
        'info',
        '--shutdown-grace-ms',
        '5000',
        ...(opts.extraArgs ?? []),
      ],
      opts.bootstrap,
      [...(opts.nodeArgs ?? []), ...(opts.compiled ? [COMPILED_MAIN] : ['--import', 'tsx', MAIN])],
    );
    agent.nodeName = opts.nodeNames?.[i];
    this.agents.push(agent);
    for (let n = 0; n < (opts.loopsPerAgent ?? 2); n++) await agent.addLoop(opts.loopSizeBytes ?? GiB);
    await agent.start();
    return agent;
  }

  /** @internal Remembers an agent process so a crashed test run still kills it. */
  track(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  /** Stops every agent, removes its VGs/PVs, detaches its loops, deletes all files. */
  async cleanup(): Promise<void> {
    const errors: unknown[] = [];
    for (const a of this.agents) await a.teardown().catch((e: unknown) => errors.push(e));
    for (const c of this.children) c.kill('SIGKILL');
    for (const ns of this.utsNamespaces.splice(0)) await run('umount', [ns]).catch((e: unknown) => errors.push(e));
    process.removeListener('exit', this.onExit);
    process.removeListener('SIGTERM', this.onSignal);
    process.removeListener('SIGINT', this.onSignal);
    await rm(this.dir, { recursive: true, force: true });
    if (errors.length)
      throw new AggregateError(errors, `agent harness cleanup failed: ${errors.map((e) => (e as Error).message).join('; ')}`);
  }
}
