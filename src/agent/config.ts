// stratum-agent's configuration: every setting is a flag and an environment variable (flags win),
// parsed with node:util parseArgs. Defaults fit a DaemonSet pod; tests pass everything explicitly.
import { parseArgs } from 'node:util';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AGENT_GRPC_PORT, AGENT_HEALTH_PORT, AGENT_METRICS_PORT, CSI_PLUGIN_DIR } from '../common/constants.ts';
import { parseQuantity } from '../api/quantity.ts';
import { socketPath } from '../csi/server.ts';
import { UNCHANGED_RESCAN_MS } from './disks/inventory.ts';

export interface AgentConfig {
  /** Kubernetes node name. @default $NODE_NAME, else the host name */
  readonly nodeName: string;
  /** host:port to listen on. @default 0.0.0.0:9443 */
  readonly listen: string;
  /** host:port of the plain-HTTP /metrics endpoint (the pod runs on the host network). @default 0.0.0.0:9819 */
  readonly metricsListen: string;
  /** host:port of the plain-HTTP /healthz the kubelet's liveness probe calls. @default 0.0.0.0:9818 */
  readonly healthListen: string;
  /**
   * Certificate files. `cert`/`key` serve; `clientCert`/`clientKey` are presented when this agent
   * sends volume data to a peer. Given as files (tests, own PKI), or kept valid by `bootstrap`.
   */
  readonly tls: {
    readonly ca: string;
    readonly cert: string;
    readonly key: string;
    readonly clientCert: string;
    readonly clientKey: string;
  };
  /** Re-read the certificate files this often. @default 10_000 */
  readonly tlsReloadMs: number;
  /** Ask the operator for certificates (written to the `tls` files) with the pod's token. @default unset (files only) */
  readonly bootstrap?: { readonly url: string; readonly tokenFile: string };
  /** Pool records and disk claims. @default /var/lib/stratum */
  readonly stateDir: string;
  /** LVM_SYSTEM_DIR for every LVM call. @default unset (the host's /etc/lvm) */
  readonly lvmSystemDir?: string;
  /** `pvcreate --metadatasize` for new PVs, e.g. "64m". @default LVM's default */
  readonly pvMetadataSize?: string;
  /** Globs matched against a disk's device path, by-id links and loop backing file. */
  readonly diskFilter: readonly string[];
  /** Rescan period for WatchDisks (there are no udev events here). @default 10_000 */
  readonly scanIntervalMs: number;
  /** Bound on graceful shutdown before in-flight calls are cut. @default 10_000 */
  readonly shutdownGraceMs: number;
  /** Where DRBD resource files are written (`<dir>/<resource>.res`). @default /etc/drbd.d */
  readonly drbdConfigDir?: string;
  /**
   * A persistent UTS namespace (nsfs file) that drbdadm runs in, so it sees that namespace's host
   * name; for several agents on one machine (tests). @default unset (the host's own name)
   */
  readonly drbdUtsNamespace?: string;
  /**
   * The DRBD version to assume where no DRBD module is installed (e.g. "8.4.11", "9.2.0"):
   * resource files are rendered for it and checked by drbdadm, and bringing them up is a dry run.
   * A loaded or installed module always wins. @default unset (no DRBD: replication is refused)
   */
  readonly drbdVersion?: string;
  /**
   * IP address DRBD replicates over on this node, e.g. on a storage network. @default unset (the
   * operator uses the agent Pod's IP, which is the node's with host networking)
   */
  readonly drbdAddress?: string;
  /** CSI node service socket, `unix:///path`. @default unset (no CSI service) */
  readonly csiEndpoint?: string;
  /**
   * Registration of the CSI driver with the kubelet: a socket in `dir` (the kubelet's
   * plugins_registry) that tells the kubelet `endpoint`, the CSI socket's path on the host (by
   * default the DaemonSet's, /var/lib/kubelet/plugins/csi.stratum.dev/csi.sock). Needs `csiEndpoint`.
   * @default unset (no kubelet to register with: tests, the lab)
   */
  readonly kubeletRegistration?: { readonly dir: string; readonly endpoint: string };
  /** MaxVolumesPerNode reported by NodeGetInfo. @default 0 (no limit) */
  readonly csiMaxVolumes: number;
  /** Bandwidth a volume copy (eviction) may take, bytes a second. @default 0 (no limit) */
  readonly copyBytesPerSecond: number;
  readonly logLevel: string;
}

/** Where the DaemonSet mounts the projected ServiceAccount token. */
export const DEFAULT_TOKEN_FILE = '/var/run/secrets/stratum.dev/agent/token';

/** How often the agent rereads its node's disks (a hot-plugged disk shows within this). */
export const DEFAULT_SCAN_INTERVAL_MS = 10_000;

export const DEFAULT_DISK_FILTER = ['/dev/sd*', '/dev/vd*', '/dev/xvd*', '/dev/hd*', '/dev/nvme*n*'];

const FLAGS = {
  'node-name': 'Kubernetes node name',
  listen: `host:port of the gRPC server (default 0.0.0.0:${AGENT_GRPC_PORT})`,
  'metrics-listen': `host:port of the Prometheus /metrics endpoint, plain HTTP (default 0.0.0.0:${AGENT_METRICS_PORT})`,
  'health-listen': `host:port of the /healthz endpoint for the liveness probe, plain HTTP (default 0.0.0.0:${AGENT_HEALTH_PORT})`,
  'tls-ca': 'CA that signs client certificates (PEM file)',
  'tls-cert': 'server certificate (PEM file)',
  'tls-key': 'server private key (PEM file)',
  'tls-client-cert': 'certificate for sending volumes to peers (default: --tls-cert; with --bootstrap-url peer.crt beside it)',
  'tls-client-key': 'key for sending volumes to peers (default: --tls-key; with --bootstrap-url peer.key beside it)',
  'tls-reload-ms': 'how often certificate files are re-read, in ms (default 10000)',
  'bootstrap-url': "operator's certificate endpoint; the agent keeps the --tls-* files valid from it (default: none)",
  'bootstrap-token-file': `projected ServiceAccount token proving the node (default ${DEFAULT_TOKEN_FILE})`,
  'state-dir': 'pool records and disk claims (default /var/lib/stratum)',
  'lvm-system-dir': 'LVM_SYSTEM_DIR for every LVM command (default: host /etc/lvm)',
  'pv-metadata-size': 'pvcreate --metadatasize for new PVs, e.g. 64m',
  disks: `comma-separated globs over device path, by-id link or loop backing file (default ${DEFAULT_DISK_FILTER.join(',')})`,
  'scan-interval-ms': `how often to look for disk changes in ms; a full rescan when the block or mount table changed, and every ${UNCHANGED_RESCAN_MS / 1000} s (default ${DEFAULT_SCAN_INTERVAL_MS})`,
  'shutdown-grace-ms': 'graceful shutdown bound in ms (default 10000)',
  'drbd-config-dir': 'DRBD resource files (default /etc/drbd.d)',
  'drbd-uts-namespace': 'nsfs file of a UTS namespace to run drbdadm in (tests)',
  'drbd-address': 'IP address DRBD replicates over (default: the agent Pod IP)',
  'drbd-version': 'DRBD version to assume where no module is installed: check and dry-run only (tests)',
  'csi-endpoint': 'CSI node service socket, unix:///path (default: none)',
  'kubelet-registration-dir':
    "the kubelet's plugin registration dir to register the CSI driver in, e.g. /var/lib/kubelet/plugins_registry (default: none)",
  'kubelet-csi-endpoint': `the CSI socket's path as the kubelet sees it on the host (default ${CSI_PLUGIN_DIR}/csi.sock)`,
  'csi-max-volumes': 'volumes per node NodeGetInfo reports (default 0: no limit)',
  'copy-bytes-per-second': 'bandwidth of one volume copy (eviction) as a quantity, e.g. 200Mi (default: no limit)',
  'log-level': 'trace|debug|info|warn|error (default info)',
} as const;

// Each flag reads STRATUM_<FLAG> from the environment, but for these: the Downward API's node name,
// LVM's own variable, and the agent's addresses (the operator has listen flags of its own).
const ENV_NAMES: Partial<Record<keyof typeof FLAGS, string>> = {
  'node-name': 'NODE_NAME',
  listen: 'STRATUM_AGENT_LISTEN',
  'metrics-listen': 'STRATUM_AGENT_METRICS_LISTEN',
  'health-listen': 'STRATUM_AGENT_HEALTH_LISTEN',
  'lvm-system-dir': 'LVM_SYSTEM_DIR',
};

const envOf = (flag: keyof typeof FLAGS): string => ENV_NAMES[flag] ?? `STRATUM_${flag.toUpperCase().replaceAll('-', '_')}`;

export function usage(): string {
  return [
    'Usage: stratum-agent [flags]',
    '',
    ...Object.entries(FLAGS).map(([f, help]) => `  --${f.padEnd(24)} $${envOf(f as keyof typeof FLAGS).padEnd(32)} ${help}`),
  ].join('\n');
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: ${JSON.stringify(value)} is not a positive whole number`);
  return n;
}

function bandwidth(name: string, value: string | undefined): number {
  if (value === undefined) return 0;
  let bytes: bigint;
  try {
    bytes = parseQuantity(value);
  } catch (err) {
    throw new Error(`--${name}: ${(err as Error).message}`);
  }
  if (bytes <= 0n) throw new Error(`--${name}: ${JSON.stringify(value)} is not a positive quantity such as 200Mi`);
  return Number(bytes);
}

function hostPort(name: string, value: string): string {
  const port = Number(value.slice(value.lastIndexOf(':') + 1));
  if (!value.includes(':') || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--${name}: ${JSON.stringify(value)} is not host:port`);
  return value;
}

function csiEndpoint(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return `unix://${socketPath(value)}`;
  } catch (err) {
    throw new Error(`--csi-endpoint: ${(err as Error).message}`);
  }
}

/** Registration needs a CSI service to register; its endpoint is a plain path, as the kubelet dials it. */
function kubeletRegistration(
  dir: string | undefined,
  endpoint: string | undefined,
  csi: string | undefined,
): AgentConfig['kubeletRegistration'] {
  if (dir === undefined) return undefined;
  if (!path.isAbsolute(dir)) throw new Error(`--kubelet-registration-dir: ${JSON.stringify(dir)} is not an absolute path`);
  if (csi === undefined) throw new Error('--kubelet-registration-dir needs --csi-endpoint: there is no CSI service to register');
  try {
    return { dir, endpoint: socketPath(endpoint ?? `${CSI_PLUGIN_DIR}/csi.sock`) };
  } catch (err) {
    throw new Error(`--kubelet-csi-endpoint: ${(err as Error).message}`);
  }
}

function ipAddress(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && isIP(value) === 0) throw new Error(`--${name}: ${JSON.stringify(value)} is not an IP address`);
  return value;
}

/** Reads flags over env; throws a plain Error naming the bad flag. Returns undefined for --help. */
export function parseAgentConfig(argv: readonly string[], env: NodeJS.ProcessEnv): AgentConfig | undefined {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const f of Object.keys(FLAGS)) options[f] = { type: 'string' };
  const values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Record<
    string,
    string | boolean | undefined
  >;
  if (values.help) return undefined;
  const get = (flag: keyof typeof FLAGS): string | undefined => {
    const v = values[flag] ?? env[envOf(flag)];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const need = (flag: keyof typeof FLAGS): string => {
    const v = get(flag);
    if (!v) throw new Error(`--${flag} (or $${envOf(flag)}) is required`);
    return v;
  };
  const ca = need('tls-ca');
  const cert = need('tls-cert');
  const key = need('tls-key');
  const bootstrapUrl = get('bootstrap-url');
  if (bootstrapUrl && !/^https:\/\//.test(bootstrapUrl))
    throw new Error(`--bootstrap-url: ${JSON.stringify(bootstrapUrl)} is not an https:// URL`);
  return {
    nodeName: get('node-name') ?? os.hostname(),
    listen: get('listen') ?? `0.0.0.0:${AGENT_GRPC_PORT}`,
    metricsListen: hostPort('metrics-listen', get('metrics-listen') ?? `0.0.0.0:${AGENT_METRICS_PORT}`),
    healthListen: hostPort('health-listen', get('health-listen') ?? `0.0.0.0:${AGENT_HEALTH_PORT}`),
    tls: {
      ca,
      cert,
      key,
      clientCert: get('tls-client-cert') ?? (bootstrapUrl ? path.join(path.dirname(cert), 'peer.crt') : cert),
      clientKey: get('tls-client-key') ?? (bootstrapUrl ? path.join(path.dirname(key), 'peer.key') : key),
    },
    tlsReloadMs: positiveInt('tls-reload-ms', get('tls-reload-ms'), 10_000),
    bootstrap: bootstrapUrl ? { url: bootstrapUrl, tokenFile: get('bootstrap-token-file') ?? DEFAULT_TOKEN_FILE } : undefined,
    stateDir: get('state-dir') ?? '/var/lib/stratum',
    lvmSystemDir: get('lvm-system-dir'),
    pvMetadataSize: get('pv-metadata-size'),
    diskFilter:
      get('disks')
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean) ?? DEFAULT_DISK_FILTER,
    scanIntervalMs: positiveInt('scan-interval-ms', get('scan-interval-ms'), DEFAULT_SCAN_INTERVAL_MS),
    shutdownGraceMs: positiveInt('shutdown-grace-ms', get('shutdown-grace-ms'), 10_000),
    drbdConfigDir: get('drbd-config-dir'),
    drbdUtsNamespace: get('drbd-uts-namespace'),
    drbdVersion: get('drbd-version'),
    drbdAddress: ipAddress('drbd-address', get('drbd-address')),
    csiEndpoint: csiEndpoint(get('csi-endpoint')),
    kubeletRegistration: kubeletRegistration(get('kubelet-registration-dir'), get('kubelet-csi-endpoint'), get('csi-endpoint')),
    csiMaxVolumes: positiveInt('csi-max-volumes', get('csi-max-volumes'), 0),
    copyBytesPerSecond: bandwidth('copy-bytes-per-second', get('copy-bytes-per-second')),
    logLevel: get('log-level') ?? 'info',
  };
}
