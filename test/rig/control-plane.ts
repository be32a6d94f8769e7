// A real Kubernetes control plane for tests: etcd and kube-apiserver on 127.0.0.1 with free ports
// and generated certificates, optionally kube-controller-manager and kube-scheduler. Everything
// it starts runs in its own process group and is stopped, with its directory removed, by
// `teardown()` — which also runs on Ctrl-C, SIGTERM and process exit.
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { rigBinary, DEFAULT_BIN_DIR } from './binaries.ts';
import { startControllers, type Controllers } from './controllers.ts';
import { registerExitCleanup } from './exit-cleanup.ts';
import { freePort } from './free-port.ts';
import { ManagedProcess } from './managed-process.ts';
import { makeCertificates, makeDirs, rigFiles, writeKubeconfig, type RigFiles } from './rig-files.ts';
import { probe, waitUntilReady, type TlsClient } from './wait-ready.ts';

export interface ControlPlaneOptions {
  /** Also run kube-controller-manager (garbage collector, node lifecycle, DaemonSets, …). @default false */
  readonly controllerManager?: boolean;
  /** Also run kube-scheduler. @default false */
  readonly scheduler?: boolean;
  /** Extra kube-apiserver flags, after the rig's own (a later flag wins). @default [] */
  readonly apiServerArgs?: readonly string[];
  /** Bound for each process to become ready. @default 60_000 */
  readonly readyTimeoutMs?: number;
  /** Where the binaries are. @default .rig/bin (or $STRATUM_RIG_BIN) */
  readonly binDir?: string;
}

export interface StartTimings {
  readonly etcdMs: number;
  readonly apiServerMs: number;
  /** From the call to start() to a ready API server, certificates included. */
  readonly totalMs: number;
}

export class ControlPlane {
  /** https://127.0.0.1:PORT; stays the same across stopApiServer()/startApiServer(). */
  readonly server: string;
  private etcd?: ManagedProcess;
  private apiServer?: ManagedProcess;
  private controllers?: Controllers;
  private tearingDown?: Promise<void>;
  private readonly unregister: () => void;
  private timingsValue?: StartTimings;

  private constructor(
    readonly files: RigFiles,
    private readonly ports: { etcdClient: number; etcdPeer: number; apiServer: number },
    private readonly opts: ControlPlaneOptions,
  ) {
    this.server = `https://127.0.0.1:${ports.apiServer}`;
    this.unregister = registerExitCleanup({ run: () => this.teardown(), runSync: () => this.teardownSync() });
  }

  /** Starts etcd and kube-apiserver (and the controllers asked for); on any failure nothing is left behind. */
  static async start(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const began = Date.now();
    const binDir = opts.binDir ?? DEFAULT_BIN_DIR;
    // Fail on a missing binary before anything is started or written.
    rigBinary('etcd', binDir);
    rigBinary('kube-apiserver', binDir);
    if (opts.controllerManager) rigBinary('kube-controller-manager', binDir);
    if (opts.scheduler) rigBinary('kube-scheduler', binDir);

    const ports = { etcdClient: await freePort(), etcdPeer: await freePort(), apiServer: await freePort() };
    const dir = await mkdtemp(path.join(tmpdir(), 'stratum-rig-'));
    const plane = new ControlPlane(rigFiles(dir), ports, { ...opts, binDir });
    try {
      await Promise.all([makeCertificates(plane.files), makeDirs(plane.files)]);
      const etcdBegan = Date.now();
      await plane.startEtcd();
      const apiBegan = Date.now();
      await plane.startApiServer();
      const done = Date.now();
      plane.timingsValue = { etcdMs: apiBegan - etcdBegan, apiServerMs: done - apiBegan, totalMs: done - began };
      await writeKubeconfig(plane.files, plane.server);
      if (opts.controllerManager || opts.scheduler) {
        plane.controllers = await startControllers(plane.files, {
          controllerManager: opts.controllerManager,
          scheduler: opts.scheduler,
          binDir,
          readyTimeoutMs: opts.readyTimeoutMs,
        });
      }
      return plane;
    } catch (err) {
      await plane.teardown();
      throw err;
    }
  }

  get timings(): StartTimings {
    if (!this.timingsValue) throw new Error('control plane not started');
    return this.timingsValue;
  }

  get kubeconfigPath(): string {
    return this.files.kubeconfig;
  }

  /** A fresh KubeConfig for @kubernetes/client-node (admin, system:masters). */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.files.kubeconfig);
    return kc;
  }

  /** Pids of every process this plane runs now (for tests that check nothing is left behind). */
  pids(): number[] {
    return [this.etcd, this.apiServer, ...(this.controllers?.processes ?? [])].flatMap((p) =>
      p && p.exitReason === undefined && p.pid !== undefined ? [p.pid] : [],
    );
  }

  /** Stops kube-apiserver alone (etcd keeps the data): cuts every watch and connection. */
  async stopApiServer(): Promise<void> {
    await this.apiServer?.stop();
    this.apiServer = undefined;
  }

  /** Starts kube-apiserver on the same port and etcd (no-op if it runs), and waits for /readyz. */
  async startApiServer(): Promise<void> {
    if (this.apiServer) return;
    const f = this.files;
    const proc = ManagedProcess.start({
      name: 'kube-apiserver',
      binary: rigBinary('kube-apiserver', this.opts.binDir),
      logFile: path.join(f.logDir, 'kube-apiserver.log'),
      args: [
        `--etcd-servers=http://127.0.0.1:${this.ports.etcdClient}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${this.ports.apiServer}`,
        `--cert-dir=${path.join(f.dir, 'apiserver-certs')}`,
        `--tls-cert-file=${f.apiServerCert}`,
        `--tls-private-key-file=${f.apiServerKey}`,
        `--client-ca-file=${f.caCert}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${f.serviceAccountPub}`,
        `--service-account-signing-key-file=${f.serviceAccountKey}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        '--authorization-mode=Node,RBAC',
        // The agent DaemonSet runs privileged containers; without this its Pods are refused.
        '--allow-privileged=true',
        ...(this.opts.apiServerArgs ?? []),
      ],
    });
    this.apiServer = proc;
    const tls = this.adminTls();
    await waitUntilReady(proc, 'ready (/readyz)', () => probe(`${this.server}/readyz`, tls, /^ok$/), this.readyTimeoutMs);
  }

  /** Stops everything this plane started and removes its directory. Idempotent; never throws. */
  teardown(): Promise<void> {
    this.tearingDown ??= (async () => {
      await this.controllers?.stop();
      await this.apiServer?.stop();
      await this.etcd?.stop();
      await rm(this.files.dir, { recursive: true, force: true }).catch(() => undefined);
      this.unregister();
    })();
    return this.tearingDown;
  }

  private teardownSync(): void {
    // Controllers have their own exit cleanup.
    for (const p of [this.apiServer, this.etcd]) p?.killNow();
    rmSync(this.files.dir, { recursive: true, force: true });
  }

  private async startEtcd(): Promise<void> {
    const client = `http://127.0.0.1:${this.ports.etcdClient}`;
    const peer = `http://127.0.0.1:${this.ports.etcdPeer}`;
    this.etcd = ManagedProcess.start({
      name: 'etcd',
      binary: rigBinary('etcd', this.opts.binDir),
      logFile: path.join(this.files.logDir, 'etcd.log'),
      args: [
        '--name=rig',
        `--data-dir=${this.files.etcdDataDir}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=rig=${peer}`,
        // A throwaway store: durability buys nothing and fsync latency slows every write.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
    });
    await waitUntilReady(
      this.etcd,
      'healthy (/health)',
      () => probe(`${client}/health`, undefined, /"health":"true"/),
      this.readyTimeoutMs,
      50,
    );
  }

  private adminTls(): TlsClient {
    return {
      ca: readFileSync(this.files.caCert),
      cert: readFileSync(this.files.adminCert),
      key: readFileSync(this.files.adminKey),
    };
  }

  private get readyTimeoutMs(): number {
    return this.opts.readyTimeoutMs ?? 60_000;
  }
}
