// The agent's gRPC server: builds the node's services (state, LVM, disks, pools, volumes), serves
// the Agent API and the standard health service over mutual TLS (client certificates required
// and checked against the CA; certificates re-read when their files change, and kept valid from
// the operator when bootstrapping), and shuts down gracefully within a bound. Beside it: the CSI
// node service, its registration with the kubelet, /healthz and /metrics.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../common/log.ts';
import type { AgentConfig } from './config.ts';
import type { AgentContext } from './context.ts';
import { loadAgentProto } from '../agent-api/loader.ts';
import { createAgentClient } from '../agent-api/client.ts';
import { CertificateSource } from '../agent-api/certificate-source.ts';
import { CertificateRenewer } from './identity/renewal.ts';
import { agentHandlers } from './handlers/index.ts';
import { HealthService, serveHealthz } from './health.ts';
import { StateStore } from './state.ts';
import { Lvm } from './lvm/lvm.ts';
import { hasDeviceMapper } from './lvm/config.ts';
import { NodeDiskInventory } from './disks/inventory.ts';
import { PoolService } from './pools/service.ts';
import { VolumeService } from './volumes/service.ts';
import { SnapshotService } from './lvm/snapshots.ts';
import { ReplicationService } from './drbd/service.ts';
import { drbdSettings } from './drbd/host.ts';
import { serveCsi, type CsiServer } from '../csi/server.ts';
import { identityHandlers } from '../csi/identity.ts';
import { loadCsiProto } from '../csi/api/loader.ts';
import { csiNodeHandlers } from './csi/node.ts';
import { serveKubeletRegistration } from './csi/registration.ts';
import { AgentMetrics, serveMetrics } from './metrics.ts';

/** Largest gRPC message: volume copy chunks plus framing. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export interface RunningAgent {
  /** host:port actually bound (port 0 in the config picks a free one). */
  readonly address: string;
  readonly port: number;
  readonly context: AgentContext;
  /** host:port of /metrics actually bound. */
  readonly metricsAddress: string;
  /** host:port of /healthz actually bound. */
  readonly healthAddress: string;
  /** Stops accepting calls, lets running calls finish within the grace bound, then cuts the rest. */
  shutdown(): Promise<void>;
}

/** Retries between failed first attempts to get certificates from the operator. */
const BOOTSTRAP_RETRY_MS = 5_000;

export async function buildContext(
  config: AgentConfig,
  log: Logger,
  stopping: AbortSignal,
  peer: CertificateSource,
): Promise<AgentContext> {
  const state = await StateStore.open(config.stateDir);
  const activation = await hasDeviceMapper();
  const lvm = new Lvm({ systemDir: config.lvmSystemDir, activation });
  let pools: PoolService | undefined;
  const disks = new NodeDiskInventory({
    filter: config.diskFilter,
    scanIntervalMs: config.scanIntervalMs,
    log,
    owners: () => pools?.owners() ?? new Map(),
  });
  pools = new PoolService(config.nodeName, lvm, disks, state, log, config.pvMetadataSize);
  const volumes = new VolumeService(config.nodeName, lvm, pools, disks, state, log);
  const replication = new ReplicationService(config.nodeName, drbdSettings(config), volumes, log, config.drbdVersion);
  return {
    node: config.nodeName,
    log,
    config,
    lvm,
    disks,
    pools,
    volumes,
    snapshots: new SnapshotService(config.nodeName, lvm, pools, state, log),
    replication,
    stopping,
    findVolume: (id, scope) => volumes.find(id, scope),
    connectAgent: (address, node, options) =>
      createAgentClient(address, peer, node, { 'grpc.max_send_message_length': MAX_MESSAGE_BYTES, ...options }),
  };
}

export async function startAgent(config: AgentConfig, log: Logger): Promise<RunningAgent> {
  const stopper = new AbortController();
  const renewer =
    config.bootstrap &&
    new CertificateRenewer(
      {
        node: config.nodeName,
        url: config.bootstrap.url,
        tokenFile: config.bootstrap.tokenFile,
        ca: config.tls.ca,
        serving: { cert: config.tls.cert, key: config.tls.key },
        peer: { cert: config.tls.clientCert, key: config.tls.clientKey },
        intervalMs: config.tlsReloadMs,
      },
      log.child({ component: 'certificates' }),
    );
  if (renewer) await firstCertificates(renewer, log);
  const watch = (cert: string, key: string) =>
    CertificateSource.watchFiles({ ca: config.tls.ca, cert, key }, config.tlsReloadMs, (err) =>
      log.warn({ err: err.message }, 'certificate files unusable'),
    );
  const serving = await watch(config.tls.cert, config.tls.key);
  const peer = await watch(config.tls.clientCert, config.tls.clientKey);
  serving.onChange((leaf) => log.info({ serial: leaf.serialNumber, validTo: leaf.validTo }, 'serving certificate reloaded'));
  peer.onChange((leaf) => log.info({ serial: leaf.serialNumber, validTo: leaf.validTo }, 'peer certificate reloaded'));
  renewer?.start();
  const context = await buildContext(config, log, stopper.signal, peer);
  log.info(
    { activation: context.lvm.activation, lvmSystemDir: config.lvmSystemDir ?? '(host)', disks: config.diskFilter },
    'agent starting',
  );

  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  server.addService(loadAgentProto().stratum.agent.v1.Agent.service, agentHandlers(context));
  const health = new HealthService();
  health.register(server);

  // One source for CA and identity: each new handshake takes the newest certificate from it.
  const credentials = grpc.experimental.createCertificateProviderServerCredentials(serving, serving, true);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(config.listen, credentials, (err, p) =>
      err ? reject(new Error(`cannot listen on ${config.listen}: ${err.message}`)) : resolve(p),
    );
  });
  const host = config.listen.slice(0, config.listen.lastIndexOf(':'));
  const address = `${host}:${port}`;
  context.disks.start();
  const metrics = new AgentMetrics(config.nodeName, { kubeletRegistration: Boolean(config.kubeletRegistration) });
  // What CSI Probe answers is also the liveness probe's answer.
  const ready = () => !stopper.signal.aborted;
  let csi: CsiServer | undefined;
  let registration: CsiServer | undefined;
  if (config.csiEndpoint) {
    const csiLog = log.child({ service: 'csi-node' });
    const { Identity, Node } = loadCsiProto().csi.v1;
    csi = await serveCsi(
      config.csiEndpoint,
      (s) => {
        s.addService(Identity.service, identityHandlers({ log: csiLog, ready }));
        s.addService(
          Node.service,
          csiNodeHandlers({
            node: config.nodeName,
            log: csiLog,
            maxVolumes: config.csiMaxVolumes,
            findVolume: context.findVolume,
            replication: context.replication,
          }),
        );
      },
      csiLog,
    );
    // After the CSI socket is up: the kubelet calls it as soon as it has registered the driver.
    if (config.kubeletRegistration) {
      registration = await serveKubeletRegistration({
        ...config.kubeletRegistration,
        log: log.child({ service: 'kubelet-registration' }),
        onStatus: (registered) => metrics.kubeletRegistered!.set(registered ? 1 : 0),
      });
    }
  }
  const metricsServer = await serveMetrics(config.metricsListen, metrics.registry);
  const metricsAddress = `${metricsServer.address.address}:${metricsServer.address.port}`;
  const healthServer = await serveHealthz(config.healthListen, ready);
  const healthAddress = `${healthServer.address.address}:${healthServer.address.port}`;
  log.info({ address, metrics: metricsAddress, health: healthAddress }, 'agent serving');

  let stopped: Promise<void> | undefined;
  const shutdown = () => {
    stopped ??= (async () => {
      log.info({ graceMs: config.shutdownGraceMs }, 'agent shutting down');
      health.set('NOT_SERVING');
      stopper.abort();
      // First, as node-driver-registrar did on SIGTERM: the kubelet unregisters the driver until an agent serves again.
      await registration?.stop(config.shutdownGraceMs);
      context.disks.stop();
      health.endWatches();
      const graceful = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), config.shutdownGraceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (!graceful) {
        log.warn({ graceMs: config.shutdownGraceMs }, 'calls still running after the grace period: cutting them');
        server.forceShutdown();
      }
      await csi?.stop(config.shutdownGraceMs);
      context.lvm.close();
      await renewer?.stop();
      serving.close();
      peer.close();
      await metricsServer.close();
      await healthServer.close();
      metrics.close();
      log.info('agent stopped');
    })();
    return stopped;
  };
  return { address, port, context, metricsAddress, healthAddress, shutdown };
}

/** Waits for the first certificates; the operator may not be up yet when the agent starts. */
async function firstCertificates(renewer: CertificateRenewer, log: Logger): Promise<void> {
  for (;;) {
    try {
      await renewer.ensure();
      return;
    } catch (err) {
      log.warn({ err: (err as Error).message, retryMs: BOOTSTRAP_RETRY_MS }, 'no certificates from the operator yet');
      await new Promise((r) => setTimeout(r, BOOTSTRAP_RETRY_MS));
    }
  }
}
