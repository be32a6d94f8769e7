// kube-controller-manager and kube-scheduler against a running rig API server, with the admin
// kubeconfig. Used by ControlPlane's switches and, on demand, by tests against the shared plane
// (which runs without them: see shared-control-plane.ts).
import path from 'node:path';
import { rigBinary, DEFAULT_BIN_DIR } from './binaries.ts';
import { registerExitCleanup } from './exit-cleanup.ts';
import { freePort } from './free-port.ts';
import { ManagedProcess } from './managed-process.ts';
import type { RigFiles } from './rig-files.ts';
import { probe, waitUntilReady } from './wait-ready.ts';

export interface ControllersOptions {
  /** @default false */
  readonly controllerManager?: boolean;
  /** @default false */
  readonly scheduler?: boolean;
  /** @default .rig/bin */
  readonly binDir?: string;
  /** @default 60_000 */
  readonly readyTimeoutMs?: number;
}

export interface Controllers {
  readonly processes: readonly ManagedProcess[];
  /** Stops them all; idempotent. */
  stop(): Promise<void>;
}

/**
 * Client rate limits as production clusters of some size set them (requests/s and bursts of 100 and
 * 200 for both). The built-in defaults (controller-manager 20/30, scheduler 50/100) make each
 * controller wait on its own client once claims arrive by the hundred (`bench:pvc`: PVC → Bound p99
 * 23 s, of which 13 s between the volume being ready and the PV controller binding it; 4.2–6.6 s with these).
 */
const CLIENT_RATE_ARGS = ['--kube-api-qps=100', '--kube-api-burst=200'] as const;

export async function startControllers(files: RigFiles, opts: ControllersOptions): Promise<Controllers> {
  const binDir = opts.binDir ?? DEFAULT_BIN_DIR;
  const wanted: { name: 'kube-controller-manager' | 'kube-scheduler'; extra: string[] }[] = [];
  if (opts.controllerManager) {
    wanted.push({
      name: 'kube-controller-manager',
      extra: [`--service-account-private-key-file=${files.serviceAccountKey}`, `--root-ca-file=${files.caCert}`],
    });
  }
  if (opts.scheduler) wanted.push({ name: 'kube-scheduler', extra: [] });
  for (const w of wanted) rigBinary(w.name, binDir);

  const processes: ManagedProcess[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= Promise.all(processes.map((p) => p.stop())).then(() => unregister());
    return stopping;
  };
  const unregister = registerExitCleanup({
    run: stop,
    runSync: () => {
      for (const p of processes) p.killNow();
    },
  });
  try {
    for (const w of wanted) {
      const port = await freePort();
      const proc = ManagedProcess.start({
        name: w.name,
        binary: rigBinary(w.name, binDir),
        logFile: path.join(files.logDir, `${w.name}.log`),
        args: [
          `--kubeconfig=${files.kubeconfig}`,
          '--leader-elect=false',
          // Its own serving port only for /healthz (always allowed without authentication); the
          // self-signed serving cert goes to the rig directory.
          '--bind-address=127.0.0.1',
          `--secure-port=${port}`,
          `--cert-dir=${path.join(files.dir, `${w.name}-certs`)}`,
          ...CLIENT_RATE_ARGS,
          ...w.extra,
        ],
      });
      processes.push(proc);
      await waitUntilReady(
        proc,
        'healthy (/healthz)',
        () => probe(`https://127.0.0.1:${port}/healthz`, { insecure: true }, /^ok$/),
        opts.readyTimeoutMs ?? 60_000,
        200,
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { processes, stop };
}
