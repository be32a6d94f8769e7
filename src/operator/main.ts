// stratum-operator: leader election, then the controllers; /healthz, /readyz and /metrics always.
// SIGTERM releases the lease (a standby takes over at once) and stops within a bound. A leader
// that loses its lease exits, so it can never write beside the new leader; its pod restarts it.
import { hostname } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_NAMESPACE, OPERATOR_BOOTSTRAP_PORT, OPERATOR_METRICS_PORT, OPERATOR_NAME } from '../common/constants.ts';
import { CERTIFICATE_MODES, startOperatorIdentity, type CertificateMode } from './identity/operator-identity.ts';
import { createLogger } from '../common/log.ts';
import { PACKAGE_VERSION } from '../common/package-root.ts';
import { startHealthServer } from './runtime/health.ts';
import { KubeClient, loadKubeConfig } from './runtime/kube/client.ts';
import { LeaderElector } from './runtime/leader.ts';
import { DEFAULT_WORKERS, Manager } from './manager.ts';
import { DEFAULT_VOLUME_SCAN_MS } from './volumes/node-volume-scan.ts';
import { DEFAULT_NODE_LOST_GRACE_MS } from './volumes/node-liveness.ts';
import { sharedMetrics } from './runtime/metrics.ts';
import { serveControllerCsi } from './csi/serve.ts';
import { socketPath } from '../csi/server.ts';

const USAGE = `Usage: stratum-operator [flags]
  --kubeconfig PATH        kubeconfig (default $KUBECONFIG, else in-cluster)
  --namespace NS           namespace of agents, Lease and capacity objects (default $NAMESPACE or ${DEFAULT_NAMESPACE})
  --leader-elect           campaign for the Lease before reconciling (always on in a Deployment)
  --lease-name NAME        Lease name (default stratum-operator)
  --lease-duration-ms MS   lease duration, whole seconds (default 15000)
  --identity ID            identity in the Lease and Events (default $POD_NAME or the host name)
  --metrics-address ADDR   host:port of /healthz, /readyz, /metrics (default :${OPERATOR_METRICS_PORT})
  --certificates MODE      managed: keep a CA and issue every certificate (default without --tls-*);
                           external: cert-manager keeps the CA and --tls-dir; files: --tls-* only, no agent certificates
  --tls-dir DIR            ca.crt, tls.crt, tls.key: the operator's certificate (re-read when they change)
  --tls-ca, --tls-cert, --tls-key FILE   the same files one by one (override --tls-dir)
  --bootstrap-address ADDR host:port of the agents' certificate endpoint (default :${OPERATOR_BOOTSTRAP_PORT})
  --certificate-lifetime-ms MS  lifetime of issued certificates (default 7 days)
  --workers N              concurrent reconciles per controller (default ${DEFAULT_WORKERS})
  --volume-scan-interval-ms MS  how often each node's volumes are listed: orphans, filesystem sizes (default 60000)
  --node-lost-grace-ms MS  how long a node's agent may not answer before its replicas are Lost (default 300000)
  --csi-endpoint URL       serve the CSI controller on unix:///path (every replica serves it, leader or not)
  --log-level LEVEL        debug, info, warn, error (default $STRATUM_LOG_LEVEL or info)`;

const STRING_FLAGS = [
  'kubeconfig',
  'namespace',
  'lease-name',
  'lease-duration-ms',
  'identity',
  'metrics-address',
  'tls-dir',
  'tls-ca',
  'tls-cert',
  'tls-key',
  'workers',
  'volume-scan-interval-ms',
  'node-lost-grace-ms',
  'log-level',
  'csi-endpoint',
  'certificates',
  'bootstrap-address',
  'certificate-lifetime-ms',
] as const;

/** parseArgs options for string and boolean flags, typed so each value keeps its type. */
function flagOptions<S extends string, B extends string>(strings: readonly S[], booleans: readonly B[]) {
  return Object.fromEntries([...strings.map((f) => [f, { type: 'string' }]), ...booleans.map((f) => [f, { type: 'boolean' }])]) as {
    [K in S]: { type: 'string' };
  } & { [K in B]: { type: 'boolean' } };
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: flagOptions(STRING_FLAGS, ['help', 'leader-elect']),
  });
  const dir = values['tls-dir'];
  const tls = {
    ca: values['tls-ca'] ?? (dir && path.join(dir, 'ca.crt')),
    cert: values['tls-cert'] ?? (dir && path.join(dir, 'tls.crt')),
    key: values['tls-key'] ?? (dir && path.join(dir, 'tls.key')),
  };
  const hasFiles = Boolean(tls.ca && tls.cert && tls.key);
  const certificates = (values.certificates ?? (hasFiles ? 'files' : 'managed')) as CertificateMode;
  if (!CERTIFICATE_MODES.includes(certificates))
    throw new Error(`--certificates ${JSON.stringify(values.certificates)}: one of ${CERTIFICATE_MODES.join(', ')}`);
  if (!values.help && certificates !== 'managed' && !hasFiles)
    throw new Error(`--certificates ${certificates} needs --tls-dir, or --tls-ca, --tls-cert and --tls-key`);
  const hostPort = (flag: string, address: string) => {
    const sep = address.lastIndexOf(':');
    const port = Number(address.slice(sep + 1));
    if (sep < 0 || !Number.isInteger(port) || port < 0 || port > 65535)
      throw new Error(`--${flag} ${JSON.stringify(address)} is not host:port`);
    return { host: address.slice(0, sep) || '0.0.0.0', port };
  };
  const metrics = hostPort('metrics-address', values['metrics-address'] ?? `:${OPERATOR_METRICS_PORT}`);
  const number = (flag: string, v: string | undefined, fallback: number) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${flag} ${JSON.stringify(v)} is not a positive whole number`);
    return n;
  };
  return {
    help: Boolean(values.help),
    kubeconfig: values.kubeconfig,
    namespace: values.namespace ?? process.env.NAMESPACE ?? DEFAULT_NAMESPACE,
    leaderElect: Boolean(values['leader-elect']),
    leaseName: values['lease-name'] ?? OPERATOR_NAME,
    leaseDurationMs: number('lease-duration-ms', values['lease-duration-ms'], 15_000),
    identity: values.identity ?? process.env.POD_NAME ?? hostname(),
    metricsHost: metrics.host,
    metricsPort: metrics.port,
    certificates,
    tls: hasFiles ? (tls as { ca: string; cert: string; key: string }) : undefined,
    bootstrap: hostPort('bootstrap-address', values['bootstrap-address'] ?? `:${OPERATOR_BOOTSTRAP_PORT}`),
    certificateLifetimeMs: number('certificate-lifetime-ms', values['certificate-lifetime-ms'], 7 * 86_400_000),
    workers: number('workers', values.workers, DEFAULT_WORKERS),
    volumeScanMs: number('volume-scan-interval-ms', values['volume-scan-interval-ms'], DEFAULT_VOLUME_SCAN_MS),
    nodeLostGraceMs: number('node-lost-grace-ms', values['node-lost-grace-ms'], DEFAULT_NODE_LOST_GRACE_MS),
    // Checked here so a bad endpoint is a usage error, not a failure after startup.
    csiEndpoint: values['csi-endpoint'] === undefined ? undefined : `unix://${socketPath(values['csi-endpoint'])}`,
    logLevel: values['log-level'] ?? process.env.STRATUM_LOG_LEVEL ?? 'info',
  };
}

async function main(): Promise<void> {
  let opts: ReturnType<typeof parse>;
  try {
    opts = parse(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`stratum-operator: ${(err as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const log = createLogger('operator', opts.logLevel as 'info').child({ identity: opts.identity });
  const metrics = sharedMetrics();
  metrics.collectProcessMetrics();
  const client = new KubeClient(loadKubeConfig({ kubeconfig: opts.kubeconfig }), `${OPERATOR_NAME}/${PACKAGE_VERSION}`);
  const certificates = await startOperatorIdentity({
    client,
    namespace: opts.namespace,
    mode: opts.certificates,
    files: opts.tls,
    bootstrap: opts.bootstrap,
    leafLifetimeMs: opts.certificateLifetimeMs,
    instance: opts.identity,
    log,
  });
  const manager = new Manager({
    client,
    namespace: opts.namespace,
    agentTls: certificates.source,
    identity: opts.identity,
    workers: opts.workers,
    volumeScanMs: opts.volumeScanMs,
    nodeLostGraceMs: opts.nodeLostGraceMs,
    log,
    metrics,
  });
  const health = await startHealthServer({
    host: opts.metricsHost,
    port: opts.metricsPort,
    registry: metrics.registry,
    readyChecks: [() => manager.ready()],
  });
  log.info({ address: `${health.address.address}:${health.address.port}` }, 'health and metrics listening');
  const csi = opts.csiEndpoint ? await serveControllerCsi(opts.csiEndpoint, client, log) : undefined;

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(code || 1), 20_000);
    timer.unref();
    await manager.stop().catch((err: Error) => log.error({ err: err.message }, 'stopping controllers failed'));
    await csi?.stop();
    await certificates.stop();
    await health.close();
    client.close();
    process.exit(code);
  };
  const startManager = () =>
    manager.start().catch((err: Error) => {
      log.error({ err: err.message }, 'controllers failed to start');
      void shutdown(1);
    });

  if (!opts.leaderElect) {
    process.once('SIGTERM', () => void shutdown(0));
    process.once('SIGINT', () => void shutdown(0));
    await startManager();
    return;
  }
  const elector = new LeaderElector(client, {
    namespace: opts.namespace,
    name: opts.leaseName,
    identity: opts.identity,
    leaseDurationMs: opts.leaseDurationMs,
    renewDeadlineMs: Math.round((opts.leaseDurationMs * 2) / 3),
    retryPeriodMs: Math.max(200, Math.round(opts.leaseDurationMs / 7.5)),
    log,
    metrics,
  });
  elector.events$.subscribe((ev) => {
    if (ev.type === 'started') {
      log.info('leading: starting controllers');
      void startManager();
    } else if (ev.reason === 'lost') {
      log.error('lost the lease: stopping at once');
      void shutdown(1);
    }
  });
  // The controllers stop while the lease is still ours, and only then is it handed over: the next
  // leader never runs beside them. Bounded like shutdown(): past 20 s the process exits anyway.
  elector.releaseOn(
    ['SIGTERM', 'SIGINT'],
    () => void shutdown(0),
    () => {
      setTimeout(() => process.exit(1), 20_000).unref();
      return manager.stop();
    },
  );
  elector.start();
}

void main();
