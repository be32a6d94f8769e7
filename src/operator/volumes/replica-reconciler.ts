// VolumeReplica: one copy of a volume on one node, made real by that node's agent. Create and
// grow the LV (or claim the disk), write and bring up the DRBD resource when the volume is
// replicated and report DRBD's view of it while it runs, and on deletion release the finalizer
// only once the agent confirms the data is gone — so no LV leaks and no object vanishes while data
// remains. A steady single replica (status matches its generation) costs no agent call; a
// replicated one costs one status read per poll.
import * as grpc from '@grpc/grpc-js';
import { FINALIZER, FORCE_DELETE_ANNOTATION } from '../../common/constants.ts';
import { formatBytes, parseQuantity } from '../../api/quantity.ts';
import type { LocalVolume, VolumeReplica, VolumeReplicaStatus } from '../../api/index.ts';
import type { Volume__Output } from '../../agent-api/generated/stratum/agent/v1/Volume.ts';
import type { ReplicationStatus__Output } from '../../agent-api/generated/stratum/agent/v1/ReplicationStatus.ts';
import { reasonOf } from '../../agent-api/errors.ts';
import { agentFailure, failureToThrow, type AgentFailure } from '../agents/agent-failure.ts';
import { AgentUnavailableError } from '../agents/registry.ts';
import type { Informer } from '../runtime/kube/informer.ts';
import { TerminalError, type ReconcileContext, type ReconcileResult } from '../runtime/controller.ts';
import { VOLUME_REPLICAS } from '../resources.ts';
import type { CapacityLedger } from '../pools/capacity-ledger.ts';
import type { NodeLiveness } from './node-liveness.ts';
import { agentVolumeSource } from './snapshot-reconciler.ts';
import { findCondition, readyCondition, removeFinalizer, setCondition, updateStatusIfChanged, withFinalizer } from '../runtime/status.ts';
import type { Condition, StatusWithConditions } from '../runtime/status.ts';
import type { ClusterAccess } from '../cluster-access.ts';
import { volumeLostMessage } from './volume-lost.ts';

export interface ReplicaReconcilerDeps extends ClusterAccess {
  readonly replicas: Informer<VolumeReplica>;
  readonly volumes: Informer<LocalVolume>;
  /** Told when a replica's volume is made or gone, so placement stops counting it as pending. */
  readonly ledger: CapacityLedger;
  /** Whether a replica's node is deleted, or its agent away past the grace period. */
  readonly liveness: NodeLiveness;
}

type State = NonNullable<VolumeReplicaStatus['state']>;

/** How often a replicated replica's DRBD state is read while it changes (sync, reconnect), and once settled. */
export const CHANGING_POLL_MS = 2_000;
export const SETTLED_POLL_MS = 10_000;
/** Bringing a resource up, or growing a replicated LV and its DRBD device, runs several LVM and drbdadm commands (and may load the module): more than a plain call's deadline. */
const CONFIGURE_DEADLINE_MS = 120_000;
/** A replica that stopped replicating sheds what DRBD last said of it. */
const NOT_REPLICATED = { role: undefined, connection: undefined, diskState: undefined, peers: undefined, syncPercent: undefined };

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
  // Replicas whose finalizer this operator removed, by name → uid, until the cache lets them go:
  // a pass that still sees one (its deletion not yet watched) must not ask the agent and the API
  // server again.
  const released = new Map<string, string>();

  return async function reconcile(name: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const cached = deps.replicas.get(name);
    if (!cached) {
      released.delete(name);
      return;
    }
    if (cached.metadata.deletionTimestamp) {
      if (released.get(name) === cached.metadata.uid) return;
      await remove(cached, ctx);
      released.set(name, cached.metadata.uid!);
      return;
    }
    // Replicas are created with the finalizer; one made without it goes on once it has it.
    const vr = await withFinalizer(deps.client, VOLUME_REPLICAS, cached, FINALIZER);
    // Steady: this generation was handled and handled well. A failed attempt also records the
    // generation (its Ready condition says False), and must be retried, not taken as done.
    const ready = findCondition(vr.status?.conditions, 'Ready')?.status === 'True';
    const steady = vr.status?.observedGeneration === vr.metadata.generation && vr.status?.state === 'Ready' && ready;
    // A replicated replica is watched while it runs: DRBD's state changes without any edit.
    const watched = vr.spec.replication && replicatingCondition(vr)?.reason !== 'DrbdNotLoaded';
    // A node deleted for good loses every replica on it; an agent away past the grace period, the
    // replicas it made (one never made has nothing to lose, and keeps trying).
    const node = deps.liveness.verdict(vr.spec.node);
    const made = !!(vr.status?.devicePath || vr.status?.backingDevicePath);
    if ('reason' in node && (made || node.reason === 'NodeDeleted')) {
      await writeStatus(vr, 'Lost', { lastError: node.message }, readyCondition(false, node.reason, node.message, vr.metadata.generation));
      return;
    }
    // Steady, its agent away: look again once the grace period is over.
    if (steady && !watched) return 'waitMs' in node ? { requeueAfter: node.waitMs } : undefined;
    try {
      if (!vr.spec.replication) {
        const volume = await ensureVolume(vr);
        const present = { backingDevicePath: volume.devicePath, capacity: formatBytes(volume.sizeBytes) };
        // Replication was dropped (replicas down to 1): take the DRBD resource down first.
        if (vr.status?.devicePath?.startsWith('/dev/drbd'))
          await deps.registry.call(vr.spec.node, 'RemoveReplication', { volumeId: vr.spec.volume });
        await writeStatus(
          vr,
          'Ready',
          { ...present, devicePath: volume.devicePath, ...NOT_REPLICATED },
          readyCondition(true, 'Ready', `volume present on node ${vr.spec.node} (${present.capacity})`, vr.metadata.generation),
        );
        return;
      }
      // The LV matches this generation: a replicated replica then only needs DRBD looked at.
      const volumeDone =
        vr.status?.observedGeneration === vr.metadata.generation && !!vr.status?.backingDevicePath && !vr.status?.lastError;
      return await reconcileReplicated(vr, volumeDone);
    } catch (err) {
      // The volume scan already named the missing disk behind the loss: "gone" must not replace that.
      if (
        err instanceof VolumeLostError &&
        vr.status?.state === 'Lost' &&
        findCondition(vr.status.conditions, 'Ready')?.reason === 'DiskMissing'
      )
        return;
      const f = err instanceof VolumeLostError ? err.failure : agentFailure(err, where(vr));
      // Turned down where placement saw room: the next placements look elsewhere, and the volume may move this replica.
      if (f.reason === 'InsufficientCapacity' && !made) deps.ledger.refused(vr.spec.pool, vr.spec.node, parseQuantity(vr.spec.size));
      const state: State = err instanceof VolumeLostError ? 'Lost' : vr.status?.devicePath ? (vr.status.state ?? 'Pending') : 'Pending';
      await writeStatus(vr, state, { lastError: f.message }, readyCondition(false, f.reason, f.message, vr.metadata.generation));
      throw err instanceof VolumeLostError ? err : failureToThrow(f, err);
    }
  };

  /**
   * A member of a DRBD resource: make the LV and the resource real (when the spec changed, or DRBD
   * shows the resource down, cut off, or waiting for its initial sync), then report what DRBD
   * says — role, connection, disks, sync — and look again soon while it changes.
   */
  async function reconcileReplicated(vr: VolumeReplica, volumeDone: boolean): Promise<ReconcileResult> {
    let present: Partial<VolumeReplicaStatus> = {};
    if (!volumeDone) {
      const volume = await ensureVolume(vr);
      present = { backingDevicePath: volume.devicePath, capacity: formatBytes(volume.sizeBytes) };
    }
    // The DRBD resource names every replica's backing device: publish ours, wait for the others'.
    const { members, waiting } = resourceMembers(vr, deps.replicas.byIndex('volume', vr.spec.volume));
    if (waiting.length) {
      const message = `waiting for ${waiting.join(', ')} before writing the DRBD resource`;
      await writeStatus(vr, 'Creating', present, readyCondition(false, 'WaitingForPeers', message, vr.metadata.generation));
      return;
    }
    let status = volumeDone ? await deps.registry.call(vr.spec.node, 'GetReplicationStatus', { volumeId: vr.spec.volume }) : undefined;
    if (!status || needsConfigure(vr, status)) {
      const configured = await configureReplication(vr, members, present.backingDevicePath ?? vr.status?.backingDevicePath ?? '');
      if (!configured.applied) {
        await writeStatus(
          vr,
          'Ready',
          { ...present, devicePath: configured.devicePath },
          readyCondition(
            true,
            'Ready',
            `volume present on node ${vr.spec.node} (${present.capacity ?? vr.status?.capacity}), DRBD resource written`,
            vr.metadata.generation,
          ),
          [notLoaded(vr)],
        );
        return;
      }
      status = await deps.registry.call(vr.spec.node, 'GetReplicationStatus', { volumeId: vr.spec.volume });
    }
    const seen = drbdView(vr, status);
    await writeStatus(vr, seen.state, { ...present, ...seen.fields, lastError: undefined }, seen.ready, [seen.replicating]);
    return { requeueAfter: seen.settled ? SETTLED_POLL_MS : CHANGING_POLL_MS };
  }

  /** Creates the volume, or grows it to spec.size. A volume that existed and is gone is never silently re-created empty. */
  async function ensureVolume(vr: VolumeReplica): Promise<Volume__Output> {
    const { node, pool, volume: volumeId } = vr.spec;
    const size = String(parseQuantity(vr.spec.size));
    if (!vr.status?.devicePath) {
      try {
        // Only this volume's LV is taken over; an LV made before owner tags only by a replica that had it.
        const adoptUntagged = !!vr.status?.backingDevicePath;
        // A restore or clone: the primary starts from its source's data (a secondary syncs from it).
        const source = vr.spec.role === 'primary' ? agentVolumeSource(deps.volumes.get(volumeId)?.spec.source) : undefined;
        const made = (
          await deps.registry.call(node, 'CreateVolume', {
            volumeId,
            pool,
            sizeBytes: size,
            ownerUid: ownerUid(vr),
            adoptUntagged,
            ...(source ? { source } : {}),
          })
        ).volume!;
        deps.ledger.made(vr.metadata.name!);
        return made;
      } catch (err) {
        if ((err as grpc.ServiceError).code !== grpc.status.ALREADY_EXISTS) throw err;
      }
    }
    try {
      return (await deps.registry.call(node, 'ExpandVolume', { volumeId, pool, sizeBytes: size }, CONFIGURE_DEADLINE_MS)).volume!;
    } catch (err) {
      // A pool missing from the agent's records says nothing about the data; a missing volume does.
      if ((err as grpc.ServiceError).code === grpc.status.NOT_FOUND && reasonOf(err) !== 'PoolNotFound' && vr.status?.devicePath) {
        throw new VolumeLostError(
          volumeLostMessage({
            volume: volumeId,
            pool,
            node,
            what: vr.status.backingDevicePath ?? 'the LV',
            how: 'is gone although it was made there',
          }),
        );
      }
      throw err;
    }
  }

  async function configureReplication(
    vr: VolumeReplica,
    members: readonly VolumeReplica[],
    backingDevicePath: string,
  ): Promise<{ devicePath: string; applied: boolean }> {
    const r = vr.spec.replication!;
    const entries = await Promise.all(
      members.map(async (p) => {
        const info = await deps.registry.call(p.spec.node, 'GetNodeInfo', {});
        const address =
          info.replicationAddress ||
          deps.registry
            .endpoint(p.spec.node)
            ?.address.replace(/:\d+$/, '')
            .replace(/^\[|\]$/g, '');
        if (!address) throw new AgentUnavailableError(p.spec.node, 'no running agent pod on the node');
        return {
          node: info.hostname,
          address,
          nodeId: p.spec.replication!.nodeId,
          devicePath: p.metadata.name === vr.metadata.name ? backingDevicePath : p.status!.backingDevicePath!,
          minor: p.spec.replication!.minor,
        };
      }),
    );
    // The primary replica holds the data (the first one placed, or the one a single copy moved
    // to): it is the one DRBD may be told to sync from when no replica is UpToDate yet.
    const res = await deps.registry.call(
      vr.spec.node,
      'ConfigureReplication',
      {
        volumeId: vr.spec.volume,
        port: r.port,
        protocol: r.protocol ?? 'C',
        nodeId: r.nodeId,
        peers: entries,
        initialSyncSource: vr.spec.role === 'primary',
      },
      CONFIGURE_DEADLINE_MS,
    );
    return { devicePath: res.devicePath, applied: res.applied };
  }

  async function remove(vr: VolumeReplica, ctx: ReconcileContext): Promise<ReconcileResult> {
    const owner = deps.volumes.get(vr.spec.volume);
    const forced = [vr, owner].some((o) => o?.metadata.annotations?.[FORCE_DELETE_ANNOTATION] === 'true');
    try {
      if (vr.spec.replication || vr.status?.devicePath?.startsWith('/dev/drbd'))
        await deps.registry.call(vr.spec.node, 'RemoveReplication', { volumeId: vr.spec.volume });
      const { deleted } = await deps.registry.call(vr.spec.node, 'DeleteVolume', {
        volumeId: vr.spec.volume,
        pool: vr.spec.pool,
        ownerUid: ownerUid(vr),
      });
      if (deleted) deps.ledger.removed(vr.metadata.name!, vr.spec.pool, vr.spec.node, parseQuantity(vr.status?.capacity ?? vr.spec.size));
    } catch (err) {
      const f = agentFailure(err, where(vr));
      // A deleted Node's agent cannot come back to confirm: waiting for it would hold the volume forever.
      const node = deps.liveness.verdict(vr.spec.node);
      const nodeDeleted = 'reason' in node && node.reason === 'NodeDeleted';
      if (!forced && !nodeDeleted) {
        const hint = `To give up on the data on node ${vr.spec.node}, annotate the LocalVolume with ${FORCE_DELETE_ANNOTATION}=true`;
        const message = `cannot confirm the volume is gone: ${f.message}. ${hint}`;
        await writeStatus(vr, 'Deleting', { lastError: f.message }, readyCondition(false, f.reason, message, vr.metadata.generation));
        throw failureToThrow(f, err);
      }
      const left = `volume ${vr.spec.volume} may remain on node ${vr.spec.node}`;
      const why = nodeDeleted ? `node ${vr.spec.node} was deleted` : `without the agent's confirmation (${FORCE_DELETE_ANNOTATION})`;
      const message = `released: ${why}; ${left}: ${f.message}`;
      await deps.events.record(vr, { type: 'Warning', reason: nodeDeleted ? 'NodeDeleted' : 'ForcedDelete', message });
    }
    deps.ledger.release(vr.metadata.name!);
    await removeFinalizer(deps.client, VOLUME_REPLICAS, vr, FINALIZER);
    ctx.log.info({ volume: vr.spec.volume, node: vr.spec.node, forced }, 'replica removed');
  }

  async function writeStatus(
    vr: VolumeReplica,
    state: State,
    fields: Partial<VolumeReplicaStatus>,
    ready: ReturnType<typeof readyCondition>,
    extra: ReturnType<typeof readyCondition>[] = [],
  ): Promise<void> {
    const prev = vr.status ?? {};
    const conditions = [ready, ...extra].reduce((list, c) => setCondition(list, c), prev.conditions as Condition[] | undefined);
    const next: VolumeReplicaStatus = { ...prev, ...fields, state, conditions: conditions as VolumeReplicaStatus['conditions'] };
    if (state === 'Ready') delete next.lastError;
    // Recovered, not merely created: a new replica's readiness shows in its status and its volume's.
    const recovered = prev.state !== undefined && prev.state !== 'Ready';
    await updateStatusIfChanged(deps.client, VOLUME_REPLICAS, vr, next as StatusWithConditions);
    if ((state === 'Failed' || state === 'Lost') && prev.state !== state)
      await deps.events.record(vr, { type: 'Warning', reason: ready.reason, message: ready.message });
    if (state === 'Ready' && recovered) await deps.events.record(vr, { type: 'Normal', reason: 'ReplicaReady', message: ready.message });
  }
}

/**
 * The members of the replica's DRBD resource as its own spec names them — itself and
 * spec.replication.peers, each found among the volume's replicas — and the peers to wait for
 * before writing the resource: not created yet, being deleted, not yet given this node id (the
 * volume's reconciler patches the members one by one, and the cache may be behind), or without
 * a backing device yet. A resource written from whatever the cache holds could miss a member.
 */
export function resourceMembers(
  vr: VolumeReplica,
  replicasOfVolume: readonly VolumeReplica[],
): { members: VolumeReplica[]; waiting: string[] } {
  const members = [vr];
  const waiting: string[] = [];
  for (const peer of vr.spec.replication?.peers ?? []) {
    const onNode = replicasOfVolume.filter((r) => r.spec.node === peer.node);
    const p = onNode.find((r) => !r.metadata.deletionTimestamp) ?? onNode[0];
    if (!p) waiting.push(`the replica on ${peer.node} (not created yet)`);
    // Leaving: the volume's reconciler takes it out of the peers.
    else if (p.metadata.deletionTimestamp) waiting.push(`replica ${p.metadata.name} on ${peer.node} (being deleted)`);
    else if (p.spec.replication?.nodeId !== peer.nodeId) waiting.push(`replica ${p.metadata.name} on ${peer.node} (not a member yet)`);
    else if (!p.status?.backingDevicePath) waiting.push(`replica ${p.metadata.name} on ${peer.node} (no device yet)`);
    else members.push(p);
  }
  return { members, waiting };
}

function replicatingCondition(vr: VolumeReplica): Condition | undefined {
  return (vr.status?.conditions as Condition[] | undefined)?.find((c) => c.type === 'Replicating');
}

/** The resource file is always written and checked; it runs only where the module is loaded. */
function notLoaded(vr: VolumeReplica): ReturnType<typeof readyCondition> {
  return {
    type: 'Replicating',
    status: 'False',
    reason: 'DrbdNotLoaded',
    message: `node ${vr.spec.node} has no DRBD kernel module: the resource file is written and checked by drbdadm, but nothing replicates`,
    observedGeneration: vr.metadata.generation,
  };
}

/**
 * (Re)apply the resource: it is down or unknown to the kernel (e.g. after a reboot), or the
 * initial sync may be due. A peer that is not connected is not a reason: DRBD keeps trying to
 * reach it by itself, and rewriting the resource would need that peer's agent, which may be the
 * one that is gone; a StandAlone connection waits for a person (see drbdView).
 */
function needsConfigure(vr: VolumeReplica, s: ReplicationStatus__Output): boolean {
  if (!s.configured || !s.up || !s.peers.length) return true;
  return (
    vr.spec.role === 'primary' && s.diskState === 'Inconsistent' && s.peers.every((p) => p.connectionState === 'Connected' && !p.syncing)
  );
}

/** What DRBD says, as the replica's status: state, fields, a Ready and a Replicating condition. */
export function drbdView(vr: VolumeReplica, s: ReplicationStatus__Output) {
  const gen = vr.metadata.generation;
  const node = vr.spec.node;
  const percent = Math.floor(s.syncPercent);
  const cut = s.peers.filter((p) => p.connectionState !== 'Connected');
  const syncing = s.peers.filter((p) => p.syncing);
  const behind = s.peers.filter((p) => p.connectionState === 'Connected' && p.diskState !== 'UpToDate' && !p.syncing);
  const fields: Partial<VolumeReplicaStatus> = {
    role: s.role,
    diskState: s.diskState,
    connection: cut[0]?.connectionState ?? (s.peers.length ? 'Connected' : 'None'),
    syncPercent: percent,
    peers: s.peers.map((p) => ({
      node: p.node,
      connection: p.connectionState,
      role: p.role,
      diskState: p.diskState,
      replication: p.replicationState,
    })),
    devicePath: s.devicePath,
    ...(BigInt(s.sizeBytes) > 0n ? { capacity: formatBytes(BigInt(s.sizeBytes)) } : {}),
  };
  const upToDate = s.diskState === 'UpToDate';
  const source = syncing.find((p) => /SyncT/.test(p.replicationState))?.node;
  const ready = upToDate
    ? readyCondition(true, 'UpToDate', `replica on node ${node} holds all the data (DRBD ${s.role}, disk UpToDate)`, gen)
    : source
      ? readyCondition(false, 'Syncing', `replica on node ${node} is ${percent} % in sync, syncing from node ${source}`, gen)
      : readyCondition(
          false,
          s.diskState || 'NotUpToDate',
          `replica on node ${node} does not hold all the data (DRBD disk ${s.diskState}${cut.length ? `, cannot reach ${cut.map((p) => p.node).join(', ')}` : ''})`,
          gen,
        );
  const standAlone = cut.filter((p) => p.connectionState === 'StandAlone');
  let replicating: ReturnType<typeof readyCondition>;
  if (standAlone.length) {
    replicating = {
      type: 'Replicating',
      status: 'False',
      reason: 'StandAlone',
      observedGeneration: gen,
      message: `DRBD on node ${node} dropped the connection to ${standAlone.map((p) => `node ${p.node} (peer disk ${p.diskState})`).join(', ')} and will not retry (StandAlone: split brain or a refused handshake; this disk is ${s.diskState}). Stratum discards no data: decide which copy wins and reconnect by hand (drbdadm connect --discard-my-data on the other)`,
    };
  } else if (cut.length) {
    replicating = {
      type: 'Replicating',
      status: 'False',
      reason: 'PeerUnreachable',
      observedGeneration: gen,
      message: `node ${node} cannot reach ${cut.map((p) => `node ${p.node} (DRBD ${p.connectionState}, peer disk ${p.diskState})`).join(', ')}`,
    };
  } else if (syncing.length) {
    replicating = {
      type: 'Replicating',
      status: 'False',
      reason: 'Syncing',
      observedGeneration: gen,
      message: syncing.map((p) => `${p.replicationState} with node ${p.node}: ${Math.floor(p.syncPercent)} %`).join('; '),
    };
  } else if (behind.length || !s.peers.length) {
    replicating = {
      type: 'Replicating',
      status: 'False',
      reason: 'PeerNotUpToDate',
      observedGeneration: gen,
      message: behind.map((p) => `node ${p.node}: peer disk ${p.diskState}`).join('; ') || 'no peer in the DRBD resource',
    };
  } else {
    replicating = {
      type: 'Replicating',
      status: 'True',
      reason: 'InSync',
      observedGeneration: gen,
      message: `in sync with ${s.peers.map((p) => `node ${p.node}`).join(', ')}`,
    };
  }
  const state: State = upToDate ? 'Ready' : 'Syncing';
  return { state, fields, ready, replicating, settled: upToDate && replicating.status === 'True' };
}

/** UID of the replica's LocalVolume: the owner tag of its LV. */
function ownerUid(vr: VolumeReplica): string {
  return vr.metadata.ownerReferences?.find((o) => o.kind === 'LocalVolume')?.uid ?? '';
}

/** Where a replica's agent calls go, as failure messages name it. */
function where(vr: VolumeReplica): string {
  return `node ${vr.spec.node}, pool ${vr.spec.pool}`;
}
