// LocalVolume: the user's volume, made of VolumeReplica objects it owns. This router places
// replicas, carries size and replication settings down to them, moves replicas off evicted nodes
// (copy verified before anything is removed), removes surplus replicas, and sums it all up in
// status: phase, capacity, placement, and a Ready condition that says why not.
import { createHash } from 'node:crypto';
import { API_GROUP_VERSION, EVICT_NODE_LABEL, FINALIZER, FORCE_DELETE_ANNOTATION, VOLUME_LABEL } from '../../common/constants.ts';
import { parseQuantity } from '../../api/quantity.ts';
import {
  volumeReplicaDefinition,
  type LocalVolume,
  type LocalVolumeStatus,
  type StoragePool,
  type VolumeReplica,
} from '../../api/index.ts';
import { agentFailure } from '../agents/agent-failure.ts';
import { AgentUnavailableError } from '../agents/registry.ts';
import { membersAllowed, replicationRefusal, type DrbdSupport } from '../agents/drbd-support.ts';
import { isConflict, isNotFound, resourcePath, type KubeObject } from '../runtime/kube/client.ts';
import type { Informer } from '../runtime/kube/informer.ts';
import type { ReconcileContext, ReconcileResult } from '../runtime/controller.ts';
import { claimFollowsVolume } from './claim-size.ts';
import { LOCAL_VOLUMES, VOLUME_REPLICAS } from '../resources.ts';
import {
  findCondition,
  readyCondition,
  removeFinalizer,
  setCondition,
  updateStatusIfChanged,
  withFinalizer,
  type Condition,
  type StatusWithConditions,
} from '../runtime/status.ts';
import type { CapacityLedger } from '../pools/capacity-ledger.ts';
import { placeReplicas, type PoolSpace } from './placement.ts';
import { deriveVolumeStatus, type Migration, type PhaseReason as Reason, type VolumePhase as Phase } from './volume-phase.ts';
import { assignNodeIds, type ReplicationIdAllocator } from './replication-ids.ts';
import { updatePersistentVolumeNodes } from './pv-affinity.ts';
import type { ClusterAccess } from '../cluster-access.ts';
import { PROGRESS_WAKE_MS, type CopyResult, type VolumeCopies, type VolumeCopy } from './volume-copies.ts';

/** Retry a volume that waits on capacity or a pool this often, besides the events that requeue it. */
export const WAITING_REQUEUE_MS = 15_000;
/**
 * A new volume whose replicas have not reported this long after its creation shows phase Creating
 * and why; one still being deleted this long after it was asked to shows phase Deleting. Longer
 * than a burst of 1,000 creations or deletions takes here: a burst costs no extra status write,
 * and an agent that fails says so at once, not after this wait.
 */
export const TRANSITION_SHOWN_AFTER_MS = 15_000;
/** A streamed copy of a whole volume may take long; bounded all the same. */
const COPY_DEADLINE_MS = 30 * 60_000;

export interface VolumeReconcilerDeps extends ClusterAccess {
  readonly volumes: Informer<LocalVolume>;
  /** With an index `volume` on spec.volume. */
  readonly replicas: Informer<VolumeReplica>;
  readonly pools: Informer<StoragePool>;
  /** With the index EVICTING_INDEX: nodes labelled storage.stratum.dev/evict=true under 'true'. */
  readonly nodes: Informer<KubeObject>;
  readonly ids: ReplicationIdAllocator;
  /** Which DRBD each node has: how many replicas a volume may have there. */
  readonly drbd: DrbdSupport;
  /** Space placed that the pools' last reports do not show yet. */
  readonly ledger: CapacityLedger;
  /** Volume copies of evictions, running beside the workers. */
  readonly copies: VolumeCopies;
}

export const EVICTING_INDEX = 'evicting';
export const evictingIndex = (node: KubeObject): string[] => (node.metadata.labels?.[EVICT_NODE_LABEL] === 'true' ? ['true'] : []);

/**
 * Not yet placed, short of replicas or moving: a change of pool capacity or readiness may let it go
 * on. The others wait on their replicas (a new volume writes no status until they report), a Lost
 * one on its node: with a thousand of them, each pool status write would otherwise wake them all.
 */
export const waitsOnPool = (lv: LocalVolume, hasReplicas: boolean): boolean =>
  lv.status?.phase ? !['Ready', 'Creating', 'Expanding', 'Deleting', 'Lost'].includes(lv.status.phase) : !hasReplicas;

const atLeastZero = (n: bigint): bigint => (n > 0n ? n : 0n);

export function replicaName(volume: string, node: string): string {
  return `${volume}-${createHash('sha256').update(node).digest('hex').slice(0, 8)}`;
}

/** How long a replica this operator created counts before the cache shows it (its watch event is late, not lost). */
const UNSEEN_REPLICA_MS = 60_000;

export function localVolumeReconciler(deps: VolumeReconcilerDeps) {
  /**
   * Replicas created whose watch event has not reached the cache yet. The volume is requeued by
   * other events meanwhile (its own finalizer patch); without these it would look unplaced and get
   * a second replica on another node.
   */
  const unseen = new Map<string, { replica: VolumeReplica; at: number }[]>();
  const withUnseen = (name: string): VolumeReplica[] => {
    const cached = deps.replicas.byIndex('volume', name);
    const left = (unseen.get(name) ?? []).filter(
      (u) => Date.now() - u.at < UNSEEN_REPLICA_MS && !cached.some((r) => r.metadata.name === u.replica.metadata.name),
    );
    if (left.length) unseen.set(name, left);
    else unseen.delete(name);
    return [...cached, ...left.map((u) => u.replica)];
  };

  return async function reconcile(name: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const cached = deps.volumes.get(name);
    if (!cached) {
      unseen.delete(name);
      return;
    }
    const all = withUnseen(name);
    if (cached.metadata.deletionTimestamp) return remove(cached, all, ctx);
    // Go on with the patched object: waiting for its watch event would cost a round of the queue.
    const lv = await withFinalizer(deps.client, LOCAL_VOLUMES, cached, FINALIZER);

    const pool = deps.pools.get(lv.spec.pool);
    const replicaPool = lv.spec.replicaPool ? deps.pools.get(lv.spec.replicaPool) : pool;
    if (!pool || !replicaPool) {
      const missing = !pool ? lv.spec.pool : lv.spec.replicaPool!;
      await writeStatus(lv, all, 'Pending', {
        reason: 'PoolNotFound',
        message: `StoragePool ${missing} does not exist; create it or fix spec.${!pool ? 'pool' : 'replicaPool'}`,
      });
      return { requeueAfter: WAITING_REQUEUE_MS };
    }

    const live = all.filter((r) => !r.metadata.deletionTimestamp);
    if (growing(lv, live)) {
      const claim = await claimFollowsVolume(deps.client, lv);
      if (claim) await deps.events.record(lv, claim);
    }
    await growReplicas(lv, live);
    const excluded = new Set([...excludedNodes(lv), ...replaceable(lv, live).map((r) => r.spec.node)]);
    const kept = live.filter((r) => !excluded.has(r.spec.node));
    const leaving = live.filter((r) => excluded.has(r.spec.node));
    const place = (counted: readonly VolumeReplica[], without: ReadonlySet<string>) =>
      placeReplicas({
        size: parseQuantity(lv.spec.size),
        replicas: lv.spec.replicas,
        pool: space(pool),
        ...(lv.spec.replicaPool ? { replicaPool: space(replicaPool) } : {}),
        preferred: lv.spec.accessibility?.nodes ?? [],
        occupied: live.map((r) => r.spec.node),
        kept: counted.length,
        hasPrimary: counted.some((r) => r.spec.role === 'primary'),
        excluded: without,
      });
    let plan = place(kept, excluded);
    // Replicas their node turned down for want of space, never made there, go elsewhere when the
    // rest of the pool has room for every one of them; otherwise they wait where they are.
    const turnedDown = leaving.length ? [] : kept.filter((r) => turnedDownForSpace(lv, r, kept.length));
    let replaced: VolumeReplica[] = [];
    if (turnedDown.length) {
      const elsewhere = place(
        kept.filter((r) => !turnedDown.includes(r)),
        new Set([...excluded, ...turnedDown.map((r) => r.spec.node)]),
      );
      if (!elsewhere.shortfall) [plan, replaced] = [elsewhere, turnedDown];
    }
    // A new volume is placed whole or not at all: no partial LVs when capacity is short.
    if (!live.length && plan.shortfall) {
      await writeStatus(lv, all, 'Pending', plan.shortfall);
      return { requeueAfter: WAITING_REQUEUE_MS };
    }
    const drbd =
      lv.spec.replicas > 1 ? await deps.drbd.ofAll([...live.map((r) => r.spec.node), ...plan.add.map((a) => a.node)]) : new Map();
    const refusal = replicationRefusal(lv.spec.replicas, new Map([...drbd].filter(([node]) => !leaving.some((r) => r.spec.node === node))));
    if (refusal) {
      await writeStatus(lv, all, live.length ? 'Degraded' : 'Pending', { reason: 'ReplicationUnsupported', message: refusal });
      return { requeueAfter: WAITING_REQUEUE_MS };
    }
    // While a single copy moves, the data lives on the leaving replica: the new one waits as secondary.
    const moving = leaving.some((r) => r.spec.role === 'primary') && !kept.some((r) => r.spec.role === 'primary');
    const created = [];
    // Each turned-down replica with the one placed for it (same role): ReplicaMoved announces that
    // one, not ReplicaPlaced too. One left unpaired was replaced by an earlier pass whose deletion
    // the cache does not show yet.
    const unpaired = [...replaced];
    const moves: [from: VolumeReplica, to: VolumeReplica][] = [];
    for (const add of plan.add) {
      const role = moving ? 'secondary' : add.role;
      const i = unpaired.findIndex((r) => r.spec.role === role);
      const from = i >= 0 ? unpaired.splice(i, 1)[0] : undefined;
      const replica = await createReplica(lv, add.node, add.pool, role, live.length > 0 && !from);
      created.push(replica);
      if (from) moves.push([from, replica]);
      unseen.set(name, [...(unseen.get(name) ?? []), { replica, at: Date.now() }]);
    }
    for (const r of replaced) await deleteReplica(r);
    for (const [from, to] of moves) {
      await deps.events.record(lv, {
        type: 'Normal',
        reason: 'ReplicaMoved',
        message: `node ${from.spec.node} turned the ${from.spec.role} replica down (${from.status?.lastError ?? 'no space'}); placed on node ${to.spec.node} instead`,
      });
    }
    // By name: the cache may hand out newer objects for the same replicas later in this pass.
    const gone = new Set(replaced.map((r) => r.metadata.name));
    const replicas = [...live.filter((r) => !gone.has(r.metadata.name)), ...created];
    const members = membersAllowed(drbd);
    await syncReplication(lv, replicas, members);

    let migration: Migration | undefined = lv.status?.migration;
    const copy = deps.copies.get(name);
    if (copy && !leaving.some((r) => r.spec.node === copy.from)) migration = await cancelCopy(lv, copy);
    if (leaving.length) migration = await evict(lv, kept, leaving, members, ctx);
    else if (kept.length > lv.spec.replicas) await shrink(lv, kept, ctx);

    // The cache may already hold what this reconcile created, or not yet.
    const current = withUnseen(name).filter((r) => !gone.has(r.metadata.name));
    // Replicas that have reported nothing yet: their first report (Ready, or what went wrong) wakes
    // this volume, so it is not polled meanwhile. A new one writes its status once, then, instead of
    // a passing Creating first — unless the wait lingers (a long queue, a hung agent): then it says so.
    const unreported = !plan.shortfall && current.length > 0 && current.every((r) => !r.status?.state);
    if (unreported && !lv.status?.phase) {
      const showIn = Date.parse(lv.metadata.creationTimestamp!) + TRANSITION_SHOWN_AFTER_MS - Date.now();
      if (showIn > 0) return { requeueAfter: Math.min(showIn, TRANSITION_SHOWN_AFTER_MS) };
    }
    const phase = await writeStatus(lv, current, undefined, plan.shortfall, migration);
    // Settled, or Lost: a Lost volume waits on its node, whose return (or deletion) wakes it.
    if (phase === 'Ready' || phase === 'Lost' || (unreported && phase === 'Creating')) return;
    return { requeueAfter: WAITING_REQUEUE_MS };
  };

  /**
   * Lost replicas of a replicated volume that another replica can replace: they leave as from an
   * evicted node, and a new replica syncs from the survivor. Only while a survivor holds the data
   * (Ready, DRBD UpToDate): with every copy lost nothing is placed, so no empty replica can pass
   * for the volume.
   */
  function replaceable(lv: LocalVolume, live: readonly VolumeReplica[]): VolumeReplica[] {
    if (lv.spec.replicas < 2) return [];
    const lost = live.filter((r) => r.status?.state === 'Lost');
    const survivor = live.some((r) => r.status?.state === 'Ready' && r.status.diskState === 'UpToDate');
    return survivor ? lost : [];
  }

  /**
   * Never made, its node short of space: nothing is lost by placing it elsewhere. A primary moves
   * only as the volume's one replica (placement makes a primary only for a volume without
   * replicas), and stays on the node the volume must use (spec.accessibility) or whose data it
   * starts from (spec.source).
   */
  function turnedDownForSpace(lv: LocalVolume, r: VolumeReplica, replicas: number): boolean {
    if (r.status?.devicePath || r.status?.backingDevicePath) return false;
    if (findCondition(r.status?.conditions, 'Ready')?.reason !== 'InsufficientCapacity') return false;
    return r.spec.role !== 'primary' || (replicas === 1 && !lv.spec.accessibility?.nodes?.length && !lv.spec.source);
  }

  /** spec.evictNodes plus the nodes labelled for eviction (an index lookup, not a scan of every node). */
  function excludedNodes(lv: LocalVolume): Set<string> {
    return new Set([...(lv.spec.evictNodes ?? []), ...deps.nodes.byIndex(EVICTING_INDEX, 'true').map((n) => n.metadata.name!)]);
  }

  function space(pool: StoragePool): PoolSpace {
    return {
      pool: pool.metadata.name!,
      nodes: (pool.status?.nodes ?? []).map((n) => ({
        node: n.node,
        ready: Boolean(n.ready) && deps.registry.endpoint(n.node) !== undefined,
        // The ledger's figure once this operator has a report; before, the status less what was placed since.
        allocatable:
          deps.ledger.now(pool.metadata.name!, n.node)?.allocatable ??
          atLeastZero(parseQuantity(n.allocatable ?? '0') - deps.ledger.pending(pool.metadata.name!, n.node)),
      })),
    };
  }

  /** spec.size above what the volume has or its replicas were asked for: an edit or a resize under way. */
  function growing(lv: LocalVolume, live: readonly VolumeReplica[]): boolean {
    const size = parseQuantity(lv.spec.size);
    return (
      (lv.status?.capacity !== undefined && parseQuantity(lv.status.capacity) < size) || live.some((r) => parseQuantity(r.spec.size) < size)
    );
  }

  async function growReplicas(lv: LocalVolume, live: readonly VolumeReplica[]): Promise<void> {
    const size = parseQuantity(lv.spec.size);
    for (const r of live) {
      if (parseQuantity(r.spec.size) >= size) continue;
      await patchReplica(r, { spec: { size: lv.spec.size } });
    }
  }

  /** `announce`: an Event says where it went (a volume's first replicas show in its status soon enough). */
  async function createReplica(
    lv: LocalVolume,
    node: string,
    pool: string,
    role: 'primary' | 'secondary',
    announce: boolean,
  ): Promise<VolumeReplica> {
    const body: VolumeReplica = {
      apiVersion: API_GROUP_VERSION,
      kind: volumeReplicaDefinition.kind,
      metadata: {
        name: replicaName(lv.metadata.name!, node),
        labels: { [VOLUME_LABEL]: lv.metadata.name! },
        // Born with it: no separate write to add it.
        finalizers: [FINALIZER],
        ownerReferences: [
          {
            apiVersion: API_GROUP_VERSION,
            kind: lv.kind,
            name: lv.metadata.name!,
            uid: lv.metadata.uid!,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { volume: lv.metadata.name!, node, pool, size: lv.spec.size, role },
    };
    try {
      const created = await deps.client.request<VolumeReplica>('POST', resourcePath(VOLUME_REPLICAS), { body });
      deps.ledger.reserve(created.metadata.name!, pool, node, parseQuantity(lv.spec.size));
      if (announce)
        await deps.events.record(lv, {
          type: 'Normal',
          reason: 'ReplicaPlaced',
          message: `${role} replica placed on node ${node} (pool ${pool})`,
        });
      return created;
    } catch (err) {
      // Made by an earlier reconcile whose watch event has not arrived yet.
      if (isConflict(err)) return deps.client.request<VolumeReplica>('GET', resourcePath(VOLUME_REPLICAS, undefined, body.metadata.name));
      throw err;
    }
  }

  /**
   * Two or more replicas: every member of the DRBD resource carries the volume's port and minor,
   * its node id and its peers. At most `maxMembers` replicas are members (DRBD 8.4 connects two):
   * replicas that already are come first, a newer one waits until one leaves.
   */
  async function syncReplication(lv: LocalVolume, all: readonly VolumeReplica[], maxMembers: number): Promise<void> {
    // A single-replica volume that moves has two replicas for a while; it is copied, not replicated.
    if (lv.spec.replicas < 2 || all.length < 2) {
      for (const r of all) if (r.spec.replication && all.length === 1) await patchReplica(r, { spec: { replication: null } });
      return;
    }
    const replicas = [...all].sort((a, b) => Number(!a.spec.replication) - Number(!b.spec.replication)).slice(0, maxMembers);
    const { port, minor } = deps.ids.idsFor(lv.metadata.name!);
    const nodeIds = assignNodeIds(replicas.map((r) => ({ name: r.metadata.name!, role: r.spec.role, nodeId: r.spec.replication?.nodeId })));
    const protocol = lv.spec.consistency === 'async' ? 'A' : 'C';
    for (const r of replicas) {
      const peers = replicas
        .filter((p) => p !== r)
        .map((p) => ({ node: p.spec.node, nodeId: nodeIds.get(p.metadata.name!)! }))
        .sort((a, b) => a.nodeId - b.nodeId);
      const want = { port, minor, nodeId: nodeIds.get(r.metadata.name!)!, protocol, peers };
      const have = r.spec.replication;
      if (
        have &&
        have.port === port &&
        have.minor === minor &&
        have.nodeId === want.nodeId &&
        have.protocol === protocol &&
        JSON.stringify(have.peers ?? []) === JSON.stringify(peers)
      )
        continue;
      await patchReplica(r, { spec: { replication: want } });
    }
  }

  /**
   * Moves replicas off evicted nodes. One replica: stream its data to the new replica (a copy in
   * VolumeCopies, beside the workers; each pass shows its progress), verify the checksum, make the
   * new one primary, then remove the old one — a crash between any two steps resumes from what the
   * objects show (a promoted replica exists only after a verified copy; a copy cut short is made
   * again). Several: see evictReplicated. Status is written once, by the caller, with what this returns.
   */
  async function evict(
    lv: LocalVolume,
    kept: readonly VolumeReplica[],
    leaving: readonly VolumeReplica[],
    maxMembers: number,
    ctx: ReconcileContext,
  ): Promise<Migration> {
    const source = leaving.find((r) => r.spec.role === 'primary') ?? leaving[0]!;
    const previous = lv.status?.migration;
    if (lv.spec.replicas > 1) return evictReplicated(lv, kept, leaving, maxMembers, source);
    const promoted = kept.find((r) => r.spec.role === 'primary' && r.status?.state === 'Ready');
    if (promoted)
      return finishMove(
        lv,
        leaving,
        promoted,
        previous?.to === promoted.spec.node ? previous : { from: source.spec.node, to: promoted.spec.node },
      );
    const target = kept.find(
      (r) => r.spec.role === 'secondary' && r.status?.state === 'Ready' && r.status.observedGeneration === r.metadata.generation,
    );
    if (!target) return { from: source.spec.node, message: 'waiting for the new replica to be ready' };
    if (source.status?.state !== 'Ready')
      return {
        from: source.spec.node,
        to: target.spec.node,
        message: `the replica on ${source.spec.node} is ${source.status?.state ?? 'not ready'}: cannot copy from it`,
      };
    const name = lv.metadata.name!;
    let copy = deps.copies.get(name);
    if (copy && copy.to !== target.spec.node) {
      deps.copies.cancel(name, `the target is now ${target.spec.node}`);
      deps.copies.take(name);
      copy = undefined;
    }
    const where = { from: source.spec.node, to: target.spec.node };
    if (!copy) {
      ctx.log.info({ volume: name, ...where }, 'copying volume');
      deps.copies.start(name, source.spec.node, target.spec.node, (signal, progress) => copyVolume(name, source, target, signal, progress));
      return { ...where, message: `copying from ${source.spec.node} to ${target.spec.node}` };
    }
    if (copy.error !== undefined) {
      deps.copies.take(name);
      const { reason, message: why } = agentFailure(copy.error);
      const message = `copy from ${source.spec.node} to ${target.spec.node} failed; the replica on ${source.spec.node} stays: ${reason}: ${why}`;
      await deps.events.record(lv, { type: 'Warning', reason: 'MigrationFailed', message });
      await writeStatus(lv, [...kept, ...leaving], 'Migrating', undefined, { ...where, message });
      throw new Error(message, { cause: copy.error });
    }
    if (!copy.result) {
      const total = copy.totalBytes ?? 0;
      const copied = copy.copiedBytes ?? 0;
      const done = total ? ` ${Math.floor((copied * 100) / total)}% (${copied} of ${total} bytes)` : '';
      return {
        ...where,
        ...(total ? { copiedBytes: copied, totalBytes: total } : {}),
        message: `copying from ${source.spec.node} to ${target.spec.node}:${done || ' starting'}; remove ${source.spec.node} from spec.evictNodes to cancel`,
      };
    }
    deps.copies.take(name);
    await patchReplica(target, { spec: { role: 'primary' } });
    return finishMove(lv, leaving, target, {
      ...where,
      copiedBytes: copy.result.bytes,
      totalBytes: copy.result.bytes,
      sha256: copy.result.sha256,
      message: `copied and verified (sha256 ${copy.result.sha256})`,
    });
  }

  /** One copy, run by VolumeCopies: the target's order, then the source streams; progress polled from the source. */
  async function copyVolume(
    volumeId: string,
    source: VolumeReplica,
    target: VolumeReplica,
    signal: AbortSignal,
    progress: (copied: number, total: number) => void,
  ): Promise<CopyResult> {
    const targetAddress = deps.registry.endpoint(target.spec.node)?.address;
    if (!targetAddress) throw new AgentUnavailableError(target.spec.node, 'no running agent pod on the node');
    // The target takes this volume's data from the source's agent only, and only for this copy.
    await deps.registry.call(
      target.spec.node,
      'ExpectVolume',
      { volumeId, sourceNode: source.spec.node, validSeconds: Math.ceil(COPY_DEADLINE_MS / 1000) },
      undefined,
      signal,
    );
    const poll = setInterval(() => {
      deps.registry
        .call(source.spec.node, 'GetCopyProgress', { volumeId }, PROGRESS_WAKE_MS, signal)
        .then((p) => p.active && progress(Number(p.sentBytes), Number(p.totalBytes)))
        // Progress is shown as it comes: a poll that fails is made good by the next.
        .catch(() => undefined);
    }, PROGRESS_WAKE_MS);
    try {
      const sent = await deps.registry.call(
        source.spec.node,
        'SendVolume',
        { volumeId, targetAddress, targetNode: target.spec.node, targetVolumeId: volumeId, chunkBytes: 1 << 20 },
        COPY_DEADLINE_MS,
        signal,
      );
      return { bytes: Number(sent.bytes), sha256: sent.sha256 };
    } finally {
      clearInterval(poll);
    }
  }

  /** The evicted node was taken out of spec.evictNodes (or is no source any more): the copy stops, the data stays where it was. */
  async function cancelCopy(lv: LocalVolume, copy: VolumeCopy): Promise<Migration> {
    const name = lv.metadata.name!;
    const stopped = deps.copies.cancel(name, `${copy.from} is no longer evicted`);
    deps.copies.take(name);
    const message = `cancelled: ${copy.from} is no longer evicted; the volume stays there and the partial copy on ${copy.to} is removed`;
    if (stopped || !copy.result) await deps.events.record(lv, { type: 'Normal', reason: 'MigrationCancelled', message });
    return { from: copy.from, to: copy.to, message };
  }

  /**
   * A replicated volume leaves a node through DRBD. When the resource can take one more member
   * (DRBD 9 with two replicas), the new replica joins, resyncs, and the old one goes once every
   * replica that stays is UpToDate. When it cannot (DRBD 8.4 connects two), the old one goes
   * first — but only once a replica that stays holds UpToDate data — and the new one then joins
   * and resyncs from it. Either way a replica that is DRBD Primary (a pod uses it there) stays
   * until the pod has moved, and no replica goes while it is the only UpToDate copy.
   */
  async function evictReplicated(
    lv: LocalVolume,
    kept: readonly VolumeReplica[],
    leaving: readonly VolumeReplica[],
    maxMembers: number,
    source: VolumeReplica,
  ): Promise<Migration> {
    const from = source.spec.node;
    const gone = leaving.map((r) => r.spec.node).join(', ');
    const upToDate = kept.filter((r) => r.spec.replication && r.status?.diskState === 'UpToDate' && r.status.state === 'Ready');
    // Whether the new replica(s) can join while the leaving ones are still members.
    const addFirst = lv.spec.replicas + leaving.length <= maxMembers;
    if (addFirst) {
      const syncing = kept.filter((r) => r.status?.state !== 'Ready' || r.status.syncPercent !== 100 || !r.spec.replication);
      if (kept.length < lv.spec.replicas || syncing.length) {
        return {
          from,
          message: `waiting for ${syncing.map((r) => `the replica on ${r.spec.node} (${r.status?.syncPercent ?? 'no'} % in sync reported)`).join(', ') || 'a new replica'} before removing ${gone}`,
        };
      }
    } else if (!upToDate.length) {
      return {
        from,
        message: `waiting for a replica that stays to hold UpToDate data before removing ${gone} (this DRBD connects ${maxMembers} replicas: the new one joins after)`,
      };
    }
    // A Lost replica's last DRBD role is stale: its node is gone, no pod uses it there.
    const inUse = leaving.filter((r) => r.status?.role === 'Primary' && r.status.state !== 'Lost');
    if (inUse.length)
      return {
        from,
        message: `the replica on ${inUse.map((r) => r.spec.node).join(', ')} is DRBD Primary (a pod uses the volume there): it goes once the pod has moved`,
      };
    if (!kept.some((r) => r.spec.role === 'primary')) {
      const heir = upToDate[0] ?? kept[0]!;
      await patchReplica(heir, { spec: { role: 'primary' } });
    }
    // The PV first: while it names only the leaving nodes, a pod must still find its data there.
    const pv = await updatePersistentVolumeNodes(
      deps.client,
      lv,
      kept.map((r) => r.spec.node),
    );
    // A Lost replica goes all the same: its node cannot serve the data whatever the PV says.
    if (pv && 'refused' in pv && !leaving.every((r) => r.status?.state === 'Lost')) return moveBlocked(lv, from, pv.refused, gone);
    for (const r of leaving) await deleteReplica(r);
    const message = `replicas on ${gone} removed${addFirst ? ': every remaining replica is in sync' : '; the new replica resyncs from the one that stays'}${pv ? `; ${'changed' in pv ? pv.changed : pv.refused}` : ''}`;
    if (lv.status?.migration?.message !== message) await deps.events.record(lv, { type: 'Normal', reason: 'Migrated', message });
    return { from, message };
  }

  /** The new primary holds verified data: the old replicas go, and the PV follows. */
  async function finishMove(
    lv: LocalVolume,
    leaving: readonly VolumeReplica[],
    primary: VolumeReplica,
    migration: Migration,
  ): Promise<Migration> {
    // The PV first: a refused change keeps the source, so no pod is left pointing at a node without the data.
    const pv = await updatePersistentVolumeNodes(deps.client, lv, [primary.spec.node]);
    if (pv && 'refused' in pv) {
      const source = leaving.map((r) => r.spec.node).join(', ');
      // What the copy verified stays in the status while the move waits.
      return { ...migration, ...(await moveBlocked(lv, migration.from ?? source, pv.refused, source)), to: primary.spec.node };
    }
    for (const r of leaving) await deleteReplica(r);
    const message = `moved from ${migration.from} to ${primary.spec.node}${migration.sha256 ? `, ${migration.copiedBytes} bytes verified by sha256` : ''}${pv ? `; ${pv.changed}` : ''}`;
    if (lv.status?.migration?.message !== message) await deps.events.record(lv, { type: 'Normal', reason: 'Migrated', message });
    return { ...migration, to: primary.spec.node, message };
  }

  /** The data is in place on the new node(s) but the PV cannot follow: the source stays, and the status says why. */
  async function moveBlocked(lv: LocalVolume, from: string, refused: string, kept: string): Promise<Migration> {
    const message = `the data is in place, but ${refused}: the replica on ${kept} stays until the PersistentVolume admits the new node`;
    if (lv.status?.migration?.message !== message) await deps.events.record(lv, { type: 'Warning', reason: 'MigrationBlocked', message });
    return { from, message };
  }

  /** Fewer replicas asked for: drop secondaries, never the primary. */
  async function shrink(lv: LocalVolume, kept: readonly VolumeReplica[], ctx: ReconcileContext): Promise<void> {
    const primary = kept.find((r) => r.spec.role === 'primary');
    if (primary?.status?.state !== 'Ready') return;
    const surplus = kept
      .filter((r) => r !== primary)
      .sort((a, b) => (b.spec.replication?.nodeId ?? 0) - (a.spec.replication?.nodeId ?? 0))
      .slice(0, kept.length - lv.spec.replicas);
    for (const r of surplus) {
      ctx.log.info({ volume: lv.metadata.name, node: r.spec.node }, 'removing surplus replica');
      await deleteReplica(r);
    }
  }

  async function remove(lv: LocalVolume, replicas: readonly VolumeReplica[], ctx: ReconcileContext): Promise<ReconcileResult> {
    // A copy in flight holds both LVs open: it stops before their replicas go.
    deps.copies.cancel(lv.metadata.name!, 'the volume is being deleted');
    deps.copies.take(lv.metadata.name!);
    // Secondaries first, the primary last: the data outlives every copy of it.
    const order = [...replicas].sort((a, b) => (a.spec.role === b.spec.role ? 0 : a.spec.role === 'primary' ? 1 : -1));
    const next = order.find((r) => !r.metadata.deletionTimestamp);
    if (next) await deleteReplica(next);
    if (replicas.length) {
      // The message changes only when an agent fails to remove a replica: progress alone costs no write.
      const stuck = replicas.filter((r) => r.metadata.deletionTimestamp && r.status?.lastError);
      // A deletion that is over within moments is not worth a status write; one that lingers says why.
      const showIn = Date.parse(lv.metadata.deletionTimestamp!) + TRANSITION_SHOWN_AFTER_MS - Date.now();
      if (!stuck.length && lv.status?.phase !== 'Deleting' && showIn > 0) return { requeueAfter: showIn };
      const hint = stuck.length
        ? `: ${stuck.map((r) => `${r.spec.node} (${r.status!.lastError})`).join('; ')}; if a node is gone for good, annotate this LocalVolume ${FORCE_DELETE_ANNOTATION}=true to give up on its data there`
        : '';
      // Written as the next pass will see it (the replica just deleted no longer live): one write, not two.
      await writeStatus(
        lv,
        replicas.filter((r) => r !== next),
        'Deleting',
        {
          reason: 'DeletingReplicas',
          message: `waiting for the agents to confirm removal${hint}`,
        },
      );
      return { requeueAfter: WAITING_REQUEUE_MS };
    }
    deps.ids.release(lv.metadata.name!);
    await removeFinalizer(deps.client, LOCAL_VOLUMES, lv, FINALIZER);
    ctx.log.info({ volume: lv.metadata.name }, 'volume deleted');
  }

  async function deleteReplica(r: VolumeReplica): Promise<void> {
    await deps.client.request('DELETE', resourcePath(VOLUME_REPLICAS, undefined, r.metadata.name)).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  async function patchReplica(r: VolumeReplica, body: Record<string, unknown>): Promise<void> {
    await deps.client.request('PATCH', resourcePath(VOLUME_REPLICAS, undefined, r.metadata.name), { patchType: 'merge', body });
  }

  /** Derives the status from the replicas, writes it when it changed, and records a return to Ready or a fall to Degraded. */
  async function writeStatus(
    lv: LocalVolume,
    replicas: readonly VolumeReplica[],
    forced?: Phase,
    problem?: Reason,
    migration?: Migration,
  ): Promise<Phase> {
    const derived = deriveVolumeStatus({ volume: lv, replicas, excluded: excludedNodes(lv), forced, problem, migration });
    const { phase, reason, message, capacity, primaryNode, replicas: summary } = derived;
    const prev = lv.status ?? {};
    const ready = readyCondition(phase === 'Ready', reason, message, lv.metadata.generation);
    const status: LocalVolumeStatus = {
      ...prev,
      phase,
      ...(capacity !== undefined ? { capacity } : {}),
      primaryNode,
      replicas: summary,
      conditions: setCondition(prev.conditions as Condition[] | undefined, ready) as LocalVolumeStatus['conditions'],
    };
    if (migration) status.migration = migration;
    if (!primaryNode) delete status.primaryNode;
    await updateStatusIfChanged(deps.client, LOCAL_VOLUMES, lv, status as StatusWithConditions);
    // Replicas added or moved: the PV admits every node that now holds the data.
    if (prev.phase !== phase && phase === 'Ready' && summary.length > 1) {
      const pv = await updatePersistentVolumeNodes(
        deps.client,
        lv,
        summary.map((r) => r.node),
      );
      if (pv)
        await deps.events.record(
          lv,
          'changed' in pv
            ? { type: 'Normal', reason: 'NodeAffinityUpdated', message: pv.changed }
            : { type: 'Warning', reason: 'NodeAffinityNotUpdated', message: pv.refused },
        );
    }
    // A recovery is news; a new volume's first Ready shows in its status and costs no Event write,
    // however long it was Pending or Creating. A capacity is written once a replica was Ready.
    const recovered = prev.capacity !== undefined;
    if (prev.phase !== phase && phase === 'Ready' && recovered)
      await deps.events.record(lv, { type: 'Normal', reason: 'VolumeReady', message });
    if (prev.phase !== phase && phase === 'Degraded') await deps.events.record(lv, { type: 'Warning', reason, message });
    return phase;
  }
}
