// The agent's gRPC server: builds the node's services (state, LVM, disks, pools, volumes), serves
// the Agent API and the standard health service over mutual TLS (client certificates required
// and checked against the CA), and shuts down gracefully within a bound.
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../common/log.ts';
import type { AgentConfig } from './config.ts';
import type { AgentContext } from './context.ts';
import { loadAgentProto } from '../agent-api/loader.ts';
import { AGENT_SERVER_NAME_OPTIONS, createAgentClient } from '../agent-api/client.ts';
import { agentHandlers } from './handlers/index.ts';
import { HealthService } from './health.ts';
import { StateStore } from './state.ts';
import { Lvm } from './lvm/lvm.ts';
import { hasDeviceMapper } from './lvm/config.ts';
import { DiskInventory } from './disks/inventory.ts';
import { PoolService } from './pools/service.ts';
import { VolumeService } from './volumes/service.ts';
import { ReplicationService } from './drbd/service.ts';
import { drbdSettings } from './drbd/host.ts';
import { serveCsi, type CsiServer } from '../csi/server.ts';
import { identityHandlers } from '../csi/identity.ts';
import { loadCsiProto } from '../csi/api/loader.ts';
import { nodeHandlers } from './csi/node.ts';

/** Largest gRPC message: volume copy chunks plus framing. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export interface RunningAgent {
  /** host:port actually bound (port 0 in the config picks a free one). */
  readonly address: string;
  readonly port: number;
  readonly context: AgentContext;
  /** Stops accepting calls, lets running calls finish within the grace bound, then cuts the rest. */
  shutdown(): Promise<void>;
}

export async function buildContext(config: AgentConfig, log: Logger, stopping: AbortSignal): Promise<AgentContext> {
  const state = await StateStore.open(config.stateDir);
  const activation = await hasDeviceMapper();
  const lvm = new Lvm({ systemDir: config.lvmSystemDir, activation });
  let pools: PoolService | undefined;
  const disks = new DiskInventory({ filter: config.diskFilter, scanIntervalMs: config.scanIntervalMs, log, owners: () => pools?.owners() ?? new Map() });
  pools = new PoolService(config.nodeName, lvm, disks, state, log, config.pvMetadataSize);
  const volumes = new VolumeService(config.nodeName, lvm, pools, disks, state, log);
  const replication = new ReplicationService(config.nodeName, drbdSettings(config), volumes, log, config.drbdVersion);
  const tls = { ca: config.tls.ca, cert: config.tls.clientCert, key: config.tls.clientKey };
  return {
    node: config.nodeName, log, config, lvm, disks, pools, volumes, replication, stopping,
    findVolume: (id, scope) => volumes.find(id, scope),
    connectAgent: (address, options) => createAgentClient(address, tls, { 'grpc.max_send_message_length': MAX_MESSAGE_BYTES, ...AGENT_SERVER_NAME_OPTIONS, ...options }),
  };
}

export async function startAgent(config: AgentConfig, log: Logger): Promise<RunningAgent> {
  const [ca, cert, key] = await Promise.all([readFile(config.tls.ca), readFile(config.tls.cert), readFile(config.tls.key)]);
  const stopper = new AbortController();
  const context = await buildContext(config, log, stopper.signal);
  log.info({ activation: context.lvm.activation, lvmSystemDir: config.lvmSystemDir ?? '(host)', disks: config.diskFilter }, 'agent starting');

  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_MESSAGE_BYTES });
  server.addService(loadAgentProto().stratum.agent.v1.Agent.service, agentHandlers(context));
  const health = new HealthService();
  health.register(server);

  const credentials = grpc.ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], true);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(config.listen, credentials, (err, p) => (err ? reject(new Error(`cannot listen on ${config.listen}: ${err.message}`)) : resolve(p)));
  });
  const host = config.listen.slice(0, config.listen.lastIndexOf(':'));
  const address = `${host}:${port}`;
  context.disks.start();
  let csi: CsiServer | undefined;
  if (config.csiEndpoint) {
    const csiLog = log.child({ service: 'csi-node' });
    const { Identity, Node } = loadCsiProto().csi.v1;
    csi = await serveCsi(config.csiEndpoint, (s) => {
      s.addService(Identity.service, identityHandlers({ log: csiLog, ready: () => !stopper.signal.aborted }));
      s.addService(Node.service, nodeHandlers({ node: config.nodeName, log: csiLog, maxVolumes: config.csiMaxVolumes, findVolume: context.findVolume, replication: context.replication }));
    }, csiLog);
  }
  log.info({ address }, 'agent serving');

  let stopped: Promise<void> | undefined;
  const shutdown = () => {
    stopped ??= (async () => {
      log.info({ graceMs: config.shutdownGraceMs }, 'agent shutting down');
      health.set('NOT_SERVING');
      stopper.abort();
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
      log.info('agent stopped');
    })();
    return stopped;
  };
  return { address, port, context, shutdown };
}
