// VolumeReplica: one copy of a volume on one node, made real by that node's agent. Create and
// grow the LV (or claim the disk), write the DRBD resource when the volume is replicated, and on
// deletion release the finalizer only once the agent confirms the data is gone — so no LV leaks
// and no object vanishes while data remains. A steady replica (status matches its generation)
// costs no agent call.
import * as grpc from '@grpc/grpc-js';
import { FINALIZER, FORCE_DELETE_ANNOTATION } from '../../common/constants.ts';
import { formatBytes, parseQuantity } from '../../api/quantity.ts';
import type { LocalVolume, VolumeReplica, VolumeReplicaStatus } from '../../api/index.ts';
import type { Volume__Output } from '../../agent-api/generated/stratum/agent/v1/Volume.ts';
import { reasonOf } from '../../agent-api/errors.ts';
import { agentFailure, failureToThrow, type AgentFailure } from '../agents/agent-failure.ts';
import { AgentUnavailableError, type AgentRegistry } from '../agents/registry.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { Informer } from '../runtime/kube/informer.ts';
import { TerminalError, type ReconcileContext, type ReconcileResult } from '../runtime/controller.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { VOLUME_REPLICAS } from '../resources.ts';
import { addFinalizer, findCondition, readyCondition, removeFinalizer, setCondition, updateStatusIfChanged } from '../runtime/status.ts';
import type { Condition, StatusWithConditions } from '../runtime/status.ts';

export interface ReplicaReconcilerDeps {
  readonly client: KubeClient;
  readonly replicas: Informer<VolumeReplica>;
  readonly volumes: Informer<LocalVolume>;
  readonly registry: AgentRegistry;
  readonly events: EventRecorder;
}

type State = NonNullable<VolumeReplicaStatus['state']>;

/** The replica's volume existed on its node and is gone: re-creating it would hand out an empty volume. */
class VolumeLostError extends TerminalError {
  readonly failure: AgentFailure;

  constructor(message: string) {
    super(message);
    this.name = 'VolumeLostError';
    this.failure = { reason: 'VolumeLost', retryable: false, message };
  }
}

export function replicaReconciler(deps: ReplicaReconcilerDeps) {
  return async function reconcile(name: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const vr = deps.replicas.get(name);
    if (!vr) return;
    if (vr.metadata.deletionTimestamp) return remove(vr, ctx);
    if (await addFinalizer(deps.client, VOLUME_REPLICAS, vr, FINALIZER)) return;
    // Steady: this generation was handled and handled well. A failed attempt also records the
    // generation (its Ready condition says False), and must be retried, not taken as done.
    const ready = findCondition(vr.status?.conditions, 'Ready')?.status === 'True';
    const steady = vr.status?.observedGeneration === vr.metadata.generation && vr.status?.state === 'Ready' && ready;
    if (steady) return;
    try {
      const volume = await ensureVolume(vr);
      const present = { backingDevicePath: volume.devicePath, capacity: formatBytes(volume.sizeBytes) };
      if (!vr.spec.replication) {
        // Replication was dropped (replicas down to 1): take the DRBD resource down first.
        if (vr.status?.devicePath?.startsWith('/dev/drbd')) await deps.registry.call(vr.spec.node, 'RemoveReplication', { volumeId: vr.spec.volume });
        await writeStatus(vr, 'Ready', { ...present, devicePath: volume.devicePath }, readyCondition(true, 'Ready', `volume present on node ${vr.spec.node} (${present.capacity})`, vr.metadata.generation));
        return;
      }
      // The DRBD resource names every replica's backing device: publish ours, wait for the others'.
      const waiting = peersWithoutDevice(vr);
      if (waiting.length) {
        const message = `waiting for replica(s) ${waiting.map((p) => `${p.metadata.name} on ${p.spec.node}`).join(', ')} before writing the DRBD resource`;
        await writeStatus(vr, 'Creating', present, readyCondition(false, 'WaitingForPeers', message, vr.metadata.generation));
        return;
      }
      const replication = await configureReplication(vr, volume);
      await writeStatus(vr, 'Ready', { ...present, devicePath: replication.devicePath }, readyCondition(true, 'Ready', `volume present on node ${vr.spec.node} (${present.capacity}), DRBD resource written`, vr.metadata.generation), [replicatingCondition(vr, replication.applied)]);
    } catch (err) {
      const f = err instanceof VolumeLostError ? err.failure : agentFailure(err, where(vr));
      const state: State = err instanceof VolumeLostError ? 'Failed' : vr.status?.devicePath ? vr.status.state ?? 'Pending' : 'Pending';
      await writeStatus(vr, state, { lastError: f.message }, readyCondition(false, f.reason, f.message, vr.metadata.generation));
      throw err instanceof VolumeLostError ? err : failureToThrow(f, err);
    }
  };

  /** Creates the volume, or grows it to spec.size. A volume that existed and is gone is never silently re-created empty. */
  async function ensureVolume(vr: VolumeReplica): Promise<Volume__Output> {
    const { node, pool, volume: volumeId } = vr.spec;
    const size = String(parseQuantity(vr.spec.size));
    if (!vr.status?.devicePath) {
      try {
        return (await deps.registry.call(node, 'CreateVolume', { volumeId, pool, sizeBytes: size })).volume!;
      } catch (err) {
        if ((err as grpc.ServiceError).code !== grpc.status.ALREADY_EXISTS) throw err;
      }
    }
    try {
      return (await deps.registry.call(node, 'ExpandVolume', { volumeId, pool, sizeBytes: size })).volume!;
    } catch (err) {
      // A pool missing from the agent's records says nothing about the data; a missing volume does.
      if ((err as grpc.ServiceError).code === grpc.status.NOT_FOUND && reasonOf(err) !== 'PoolNotFound' && vr.status?.devicePath) {
        throw new VolumeLostError(`volume ${volumeId} is gone from pool ${pool} on node ${node} although it was created there; `
          + 'not re-creating it empty. Remove this replica (or the node) to let Stratum place a new one.');
      }
      throw err;
    }
  }

  function replicated(vr: VolumeReplica): VolumeReplica[] {
    return deps.replicas.byIndex('volume', vr.spec.volume).filter((p) => p.spec.replication && !p.metadata.deletionTimestamp);
  }

  function peersWithoutDevice(vr: VolumeReplica): VolumeReplica[] {
    return replicated(vr).filter((p) => p.metadata.name !== vr.metadata.name && !p.status?.backingDevicePath);
  }

  async function configureReplication(vr: VolumeReplica, volume: Volume__Output): Promise<{ devicePath: string; applied: boolean }> {
    const r = vr.spec.replication!;
    const peers = replicated(vr);
    const entries = await Promise.all(peers.map(async (p) => {
      const info = await deps.registry.call(p.spec.node, 'GetNodeInfo', {});
      const address = deps.registry.endpoint(p.spec.node)?.address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (!address) throw new AgentUnavailableError(p.spec.node, 'no running agent pod on the node');
      return { node: info.hostname, address, nodeId: p.spec.replication!.nodeId, devicePath: p.metadata.name === vr.metadata.name ? volume.devicePath : p.status!.backingDevicePath!, minor: p.spec.replication!.minor };
    }));
    const res = await deps.registry.call(vr.spec.node, 'ConfigureReplication', { volumeId: vr.spec.volume, port: r.port, protocol: r.protocol ?? 'C', nodeId: r.nodeId, peers: entries });
    return { devicePath: res.devicePath, applied: res.applied };
  }

  async function remove(vr: VolumeReplica, ctx: ReconcileContext): Promise<ReconcileResult> {
    const owner = deps.volumes.get(vr.spec.volume);
    const forced = [vr, owner].some((o) => o?.metadata.annotations?.[FORCE_DELETE_ANNOTATION] === 'true');
    try {
      if (vr.spec.replication || vr.status?.devicePath?.startsWith('/dev/drbd')) await deps.registry.call(vr.spec.node, 'RemoveReplication', { volumeId: vr.spec.volume });
      await deps.registry.call(vr.spec.node, 'DeleteVolume', { volumeId: vr.spec.volume, pool: vr.spec.pool });
    } catch (err) {
      const f = agentFailure(err, where(vr));
      if (!forced) {
        const hint = `To give up on the data on node ${vr.spec.node}, annotate the LocalVolume with ${FORCE_DELETE_ANNOTATION}=true`;
        const message = `cannot confirm the volume is gone: ${f.message}. ${hint}`;
        await writeStatus(vr, 'Deleting', { lastError: f.message }, readyCondition(false, f.reason, message, vr.metadata.generation));
        throw failureToThrow(f, err);
      }
      const left = `volume ${vr.spec.volume} may remain on node ${vr.spec.node}`;
      const message = `released without the agent's confirmation (${FORCE_DELETE_ANNOTATION}); ${left}: ${f.message}`;
      await deps.events.record(vr, { type: 'Warning', reason: 'ForcedDelete', message });
    }
    await removeFinalizer(deps.client, VOLUME_REPLICAS, vr, FINALIZER);
    ctx.log.info({ volume: vr.spec.volume, node: vr.spec.node, forced }, 'replica removed');
  }

  async function writeStatus(vr: VolumeReplica, state: State, fields: Partial<VolumeReplicaStatus>, ready: ReturnType<typeof readyCondition>, extra: ReturnType<typeof readyCondition>[] = []): Promise<void> {
    const prev = vr.status ?? {};
    const conditions = [ready, ...extra].reduce((list, c) => setCondition(list, c), prev.conditions as Condition[] | undefined);
    const next: VolumeReplicaStatus = { ...prev, ...fields, state, conditions: conditions as VolumeReplicaStatus['conditions'] };
    if (state === 'Ready') delete next.lastError;
    const wasReady = prev.state === 'Ready';
    await updateStatusIfChanged(deps.client, VOLUME_REPLICAS, vr, next as StatusWithConditions);
    if (state === 'Failed' && prev.state !== 'Failed') await deps.events.record(vr, { type: 'Warning', reason: ready.reason, message: ready.message });
    if (state === 'Ready' && !wasReady) await deps.events.record(vr, { type: 'Normal', reason: 'ReplicaReady', message: ready.message });
  }
}

/** Whether DRBD replicates this replica: the resource file is always written and checked; it runs only where the module is loaded. */
function replicatingCondition(vr: VolumeReplica, applied: boolean): ReturnType<typeof readyCondition> {
  return applied
    ? { type: 'Replicating', status: 'True', reason: 'ResourceUp', message: `DRBD resource up on node ${vr.spec.node}`, observedGeneration: vr.metadata.generation }
    : { type: 'Replicating', status: 'False', reason: 'DrbdNotLoaded', message: `node ${vr.spec.node} has no DRBD kernel module: the resource file is written and checked by drbdadm, but nothing replicates`, observedGeneration: vr.metadata.generation };
}

/** Where a replica's agent calls go, as failure messages name it. */
function where(vr: VolumeReplica): string {
  return `node ${vr.spec.node}, pool ${vr.spec.pool}`;
}
