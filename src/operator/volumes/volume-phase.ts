// What a LocalVolume's status says, derived from the volume and its replicas alone: the phase,
// the Ready condition's reason and message, the capacity every replica can serve, the primary's
// node and one line per replica. Pure, so every phase and reason is a row of a unit test table;
// the reconciler only writes what this returns.
import { formatBytes, parseQuantity } from '../../api/quantity.ts';
import type { LocalVolume, LocalVolumeStatus, VolumeReplica } from '../../api/index.ts';
import { findCondition } from '../runtime/status.ts';

export type VolumePhase = NonNullable<LocalVolumeStatus['phase']>;
export type Migration = NonNullable<LocalVolumeStatus['migration']>;
export type ReplicaSummary = NonNullable<LocalVolumeStatus['replicas']>[number];
type Live = readonly VolumeReplica[];

/** Why the volume is not Ready: a CamelCase reason and a message naming the pool, node or replica. */
export interface PhaseReason {
  readonly reason: string;
  readonly message: string;
}

export interface VolumeStatusInput {
  readonly volume: LocalVolume;
  /** The volume's replicas, those being deleted included (they are left out of every count). */
  readonly replicas: readonly VolumeReplica[];
  /** Nodes the volume moves off: spec.evictNodes and the nodes labelled for eviction. */
  readonly excluded: ReadonlySet<string>;
  /** A phase the caller already knows (a missing pool, a failed copy, a deletion). */
  readonly forced?: VolumePhase;
  /** What the caller knows is wrong: with `forced` it is the reason; alone it explains missing replicas. */
  readonly problem?: PhaseReason;
  /** The move under way, whose message explains the Migrating phase. */
  readonly migration?: Migration;
}

export interface DerivedVolumeStatus extends PhaseReason {
  readonly phase: VolumePhase;
  /** The smallest capacity among the Ready replicas that stay; undefined when none reports one. */
  readonly capacity?: string;
  readonly primaryNode?: string;
  readonly replicas: ReplicaSummary[];
}

export function deriveVolumeStatus(input: VolumeStatusInput): DerivedVolumeStatus {
  const live = input.replicas.filter((r) => !r.metadata.deletionTimestamp);
  const ready = live.filter((r) => r.status?.state === 'Ready');
  const primary = primaryOf(live);
  const capacity = smallestCapacity(ready.filter((r) => !input.excluded.has(r.spec.node)));
  const { phase, ...why } = phaseOf(input, live, ready, capacity);
  return {
    phase,
    ...why,
    ...(capacity !== undefined ? { capacity: formatBytes(capacity) } : {}),
    ...(primary ? { primaryNode: primary.spec.node } : {}),
    replicas: live.map(summary),
  };
}

function phaseOf(input: VolumeStatusInput, live: Live, ready: Live, capacity?: bigint): PhaseReason & { phase: VolumePhase } {
  const { volume, forced, problem, migration } = input;
  // A replica can be Ready (its data is there) and still fail what it was asked last (grow it).
  const failing = live.filter((r) => r.status?.state !== 'Ready' || findCondition(r.status.conditions, 'Ready')?.status === 'False');
  const leaving = live.filter((r) => input.excluded.has(r.spec.node));
  const notInSync = live.length > 1 ? live.filter((r) => replicating(r)?.status !== 'True' || r.status?.syncPercent !== 100) : [];

  if (forced && problem) return { phase: forced, ...problem };
  if (forced === 'Deleting' || forced === 'Pending') return { phase: forced, reason: forced, message: forced };
  // Every replica that held the data is gone or unreachable: said plainly, never "Creating".
  const lost = live.filter((r) => r.status?.state === 'Lost');
  if (!ready.length && lost.length) {
    const why = replicaProblem(lost);
    return { phase: 'Lost', reason: why.reason, message: `data unavailable: ${why.message}` };
  }
  if (!ready.length) {
    return { phase: 'Creating', ...(failing.length ? replicaProblem(failing) : { reason: 'Creating', message: 'placing replicas' }) };
  }
  if (leaving.length || forced === 'Migrating') {
    const message = migration?.message ?? `moving off ${leaving.map((r) => r.spec.node).join(', ')}`;
    return { phase: 'Migrating', reason: 'Migrating', message };
  }
  if (capacity !== undefined && capacity < parseQuantity(volume.spec.size)) {
    const stuck = failing.length ? replicaProblem(failing) : undefined;
    const growing = `growing from ${formatBytes(capacity)} to ${volume.spec.size}`;
    return { phase: 'Expanding', reason: stuck?.reason ?? 'Expanding', message: stuck ? `${growing}: ${stuck.message}` : growing };
  }
  if (failing.length) return { phase: 'Degraded', ...replicaProblem(failing) };
  if (ready.length < volume.spec.replicas) {
    const missing = { reason: 'MissingReplicas', message: `${ready.length} of ${volume.spec.replicas} replicas` };
    return { phase: 'Degraded', ...(problem ?? missing) };
  }
  if (notInSync.length) return { phase: 'Degraded', reason: replicationReason(notInSync), message: notInSync.map(syncLine).join('; ') };
  return { phase: 'Ready', reason: 'Ready', message: `${ready.length} replica(s) ready, primary on ${primaryOf(live)?.spec.node}` };
}

function primaryOf(live: Live): VolumeReplica | undefined {
  return live.find((r) => r.spec.role === 'primary');
}

function smallestCapacity(replicas: Live): bigint | undefined {
  const sizes = replicas.flatMap((r) => (r.status?.capacity ? [parseQuantity(r.status.capacity)] : []));
  return sizes.length ? sizes.reduce((a, b) => (a < b ? a : b)) : undefined;
}

function replicating(r: VolumeReplica) {
  return findCondition(r.status?.conditions, 'Replicating');
}

function syncLine(r: VolumeReplica): string {
  return `replica on ${r.spec.node}: ${replicating(r)?.message ?? `${r.status?.syncPercent ?? 'unknown'} % in sync`}`;
}

/** The first replica's own reason for not replicating (Syncing, PeerUnreachable, StandAlone, DrbdNotLoaded, …). */
function replicationReason(replicas: Live): string {
  const off = replicas.map(replicating).find((c) => c?.status === 'False');
  return off?.reason ?? 'NotInSync';
}

/** The first failing replica's own reason (its Ready condition), and a line for every failing replica. */
function replicaProblem(failing: readonly VolumeReplica[]): PhaseReason {
  const readyOf = (r: VolumeReplica) => findCondition(r.status?.conditions, 'Ready');
  const cond = failing.map(readyOf).find((c) => c?.status === 'False');
  const why = (r: VolumeReplica) => r.status?.lastError ?? readyOf(r)?.message ?? r.status?.state ?? 'not created yet';
  const line = (r: VolumeReplica) => `replica on ${r.spec.node}: ${why(r)}`;
  return { reason: cond?.reason || 'ReplicaNotReady', message: failing.map(line).join('; ') };
}

function summary(r: VolumeReplica): ReplicaSummary {
  return {
    name: r.metadata.name!,
    node: r.spec.node,
    pool: r.spec.pool,
    role: r.spec.role,
    state: r.status?.state ?? 'Pending',
    ...(r.status?.syncPercent !== undefined ? { syncPercent: r.status.syncPercent } : {}),
  };
}
