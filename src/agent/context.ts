// What every handler module gets from the server: the node's identity, its logger and
// configuration, and the services that own the node's disks, pools and volumes. Handler modules
// (src/agent/handlers/*.ts) export a factory `(ctx: AgentContext) => Partial<AgentHandlers>`.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../common/log.ts';
import type { AgentConfig } from './config.ts';
import type { CallScope } from '../agent-api/call-scope.ts';
import type { AgentClient } from '../agent-api/generated/stratum/agent/v1/Agent.ts';
import type { Volume__Output } from '../agent-api/generated/stratum/agent/v1/Volume.ts';
import type { NodeDiskInventory } from './disks/inventory.ts';
import type { PoolService } from './pools/service.ts';
import type { VolumeService } from './volumes/service.ts';
import type { SnapshotService } from './lvm/snapshots.ts';
import type { Lvm } from './lvm/lvm.ts';
import type { ReplicationService } from './drbd/service.ts';

export interface AgentContext {
  /** Kubernetes node name this agent serves. */
  readonly node: string;
  readonly log: Logger;
  readonly config: AgentConfig;
  readonly lvm: Lvm;
  readonly disks: NodeDiskInventory;
  readonly pools: PoolService;
  readonly volumes: VolumeService;
  /** Thin snapshots, and volumes restored or cloned from them. */
  readonly snapshots: SnapshotService;
  /** DRBD resources of replicated volumes. */
  readonly replication: ReplicationService;
  /** Fires when the agent begins to shut down: long-running streams end themselves. */
  readonly stopping: AbortSignal;
  /** Finds a volume of this node by id (any pool); undefined when there is none. */
  findVolume(volumeId: string, scope: CallScope): Promise<Volume__Output | undefined>;
  /** A client for `node`'s agent (SendVolume's target), authenticated with this agent's peer certificate. */
  connectAgent(address: string, node: string, options?: grpc.ChannelOptions): AgentClient;
}
