// A real stratum-operator process for tests: `src/operator/main.ts` under tsx, as it runs in its
// pod, against the shared control plane, with health and metrics on a free loopback port.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientTls } from '../../src/agent-api/client.ts';
import { freePort } from '../rig/free-port.ts';
import { ManagedProcess } from '../rig/managed-process.ts';
import { probe, waitUntilReady } from '../rig/wait-ready.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** For tests that kill a leader and wait for the next one to take over. */
export const FAST_TAKEOVER_LEASE_MS = 4_000;

/** What `npm run build` makes of the operator and bin/stratum-operator runs (scripts/bundle.ts). */
export const OPERATOR_BUNDLE = path.join(ROOT, 'dist/stratum-operator.mjs');

export interface OperatorProcessOptions {
  readonly name: string;
  readonly kubeconfig: string;
  readonly namespace: string;
  /** Client certificate for the agents. */
  readonly tls: Required<ClientTls>;
  /** Directory for the log file. */
  readonly dir: string;
  /** Campaign for the Lease first. @default true */
  readonly leaderElect?: boolean;
  /** @default 15_000, as in production: a stall of a few seconds on a busy machine does not cost the lease. */
  readonly leaseDurationMs?: number;
  readonly extraArgs?: readonly string[];
  /** Run the bundle (OPERATOR_BUNDLE, `npm run build`) through bin/stratum-operator, as production does, instead of the source under tsx. @default false */
  readonly compiled?: boolean;
  /** Options for node itself (a benchmark's `--cpu-prof`); through NODE_OPTIONS when compiled. */
  readonly nodeArgs?: readonly string[];
}

export class OperatorProcess {
  private constructor(
    readonly name: string,
    readonly proc: ManagedProcess,
    readonly metricsUrl: string,
  ) {}

  static async start(opts: OperatorProcessOptions): Promise<OperatorProcess> {
    const port = await freePort();
    const nodeArgs = opts.nodeArgs ?? [];
    const args = [
      ...(opts.compiled ? [] : [...nodeArgs, '--import', 'tsx', path.join(ROOT, 'src/operator/main.ts')]),
      '--kubeconfig',
      opts.kubeconfig,
      '--namespace',
      opts.namespace,
      '--identity',
      opts.name,
      '--tls-ca',
      opts.tls.ca,
      '--tls-cert',
      opts.tls.cert,
      '--tls-key',
      opts.tls.key,
      '--metrics-address',
      `127.0.0.1:${port}`,
      '--lease-duration-ms',
      String(opts.leaseDurationMs ?? 15_000),
      '--log-level',
      'debug',
      ...(opts.leaderElect === false ? [] : ['--leader-elect']),
      ...(opts.extraArgs ?? []),
    ];
    const proc = ManagedProcess.start({
      name: opts.name,
      binary: opts.compiled ? path.join(ROOT, 'bin/stratum-operator') : process.execPath,
      args,
      ...(opts.compiled && nodeArgs.length ? { env: { NODE_OPTIONS: nodeArgs.join(' ') } } : {}),
      logFile: path.join(opts.dir, `${opts.name}.log`),
      graceMs: 15_000,
    });
    const op = new OperatorProcess(opts.name, proc, `http://127.0.0.1:${port}`);
    await waitUntilReady(proc, 'serving /healthz', () => probe(`${op.metricsUrl}/healthz`), 30_000);
    return op;
  }

  /** Graceful: SIGTERM (the lease is released), SIGKILL after the grace period. */
  stop(): Promise<void> {
    return this.proc.stop();
  }

  /** A crash: SIGKILL, no cleanup, the lease left to expire. */
  async kill(): Promise<void> {
    this.proc.killNow();
    await this.proc.whenExited();
  }

  /** The process's JSON log lines, parsed. */
  logs(): Record<string, unknown>[] {
    return readFileSync(this.proc.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  async metrics(): Promise<string> {
    const res = await fetch(`${this.metricsUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return res.text();
  }

  /** The value of one sample, e.g. metric('stratum_leader', { lease: 'ns/stratum-operator' }); 0 when absent. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    return (await this.exportedMetric(name, labels)) ?? 0;
  }

  /** As metric(), but undefined when no sample matches: for checks that the metric exists at all. */
  async exportedMetric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
    const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    let sum: number | undefined;
    for (const line of (await this.metrics()).split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (want.every((w) => line.includes(w))) sum = (sum ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  }
}
