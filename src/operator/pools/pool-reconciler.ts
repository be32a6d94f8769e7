// StoragePool: form the pool on every selected node that runs an agent (EnsurePool with the disks
// the selector picks), report per-node capacity in status, and keep the CSIStorageCapacity
// objects the scheduler reads in step. A node that fails does not hold back the others: its
// entry in status says why, and the pool is retried with backoff until it recovers.
import { FINALIZER } from '../../common/constants.ts';
import { formatBytes, parseQuantity } from '../../api/quantity.ts';
import type { LocalDisk, StoragePool, StoragePoolStatus } from '../../api/index.ts';
import type { Pool__Output } from '../../agent-api/generated/stratum/agent/v1/Pool.ts';
import { agentFailure } from '../agents/agent-failure.ts';
import { isNotFound, resourcePath, type KubeObject } from '../runtime/kube/client.ts';
import type { Informer } from '../runtime/kube/informer.ts';
import type { ReconcileContext, ReconcileResult } from '../runtime/controller.ts';
import { CSI_STORAGE_CAPACITIES, STORAGE_POOLS } from '../resources.ts';
import { matchesLabelSelector } from '../runtime/selectors.ts';
import {
  addFinalizer,
  removeFinalizer,
  readyCondition,
  setCondition,
  updateStatusIfChanged,
  updateCondition,
  type Condition,
  type StatusWithConditions,
} from '../runtime/status.ts';
import { desiredCapacities, planCapacities, type CSIStorageCapacity, type StorageClass } from './capacity.ts';
import { selectDisks } from './disk-selection.ts';
import type { CapacityLedger } from './capacity-ledger.ts';
import type { ClusterAccess } from '../cluster-access.ts';

/** Capacity drifts as volumes come and go: refresh this often even when nothing else happens. */
export const POOL_RESYNC_MS = 30_000;

export interface PoolReconcilerDeps extends ClusterAccess {
  readonly namespace: string;
  readonly pools: Informer<StoragePool>;
  /** LocalDisks, with an index `node` on spec.nodeName. */
  readonly disks: Informer<LocalDisk>;
  readonly nodes: Informer<KubeObject>;
  readonly storageClasses: Informer<StorageClass>;
  /** The operator's CSIStorageCapacity objects, with an index `pool`. */
  readonly capacities: Informer<CSIStorageCapacity>;
  /** Told of each node's report, which from then on counts the volumes made before it was read. */
  readonly ledger: CapacityLedger;
}

type NodeStatus = NonNullable<StoragePoolStatus['nodes']>[number];

interface NodeOutcome {
  readonly status: NodeStatus;
  /**
   * Worth retrying with backoff (agent down, call failed), as opposed to "no disk matches" or a
   * disk a person must free. Those are not terminal for the pool: the other nodes' capacity is
   * still refreshed every POOL_RESYNC_MS, and a disk or node change requeues the pool.
   */
  readonly retry: boolean;
}

const BACKENDS = { lvm: 'POOL_BACKEND_LVM', disk: 'POOL_BACKEND_DISK' } as const;

/**
 * Writes a pool's free and allocatable space as the ledger has it now, from the nodes' last
 * reports and the volumes placed and made since: `kubectl get sp` follows volume creation without
 * another round of agent calls. Called for the pools the ledger names, every 2 s at most.
 */
export function capacityPublisher(deps: Pick<PoolReconcilerDeps, 'client' | 'pools' | 'ledger'>) {
  return async function publish(name: string): Promise<void> {
    const pool = deps.pools.get(name);
    if (!pool?.status?.nodes || pool.metadata.deletionTimestamp) return;
    const nodes = pool.status.nodes.map((n) => spaceNow(deps.ledger, name, n));
    const free = formatBytes(nodes.filter((n) => n.ready).reduce((acc, n) => acc + parseQuantity(n.free ?? '0'), 0n));
    await updateStatusIfChanged(deps.client, STORAGE_POOLS, pool, { ...pool.status, nodes, free } as StatusWithConditions);
  };
}

export function poolReconciler(deps: PoolReconcilerDeps) {
  return async function reconcile(name: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const pool = deps.pools.get(name);
    if (!pool) return syncCapacities(name, []);
    if (pool.metadata.deletionTimestamp) return remove(pool, ctx);
    if (await addFinalizer(deps.client, STORAGE_POOLS, pool, FINALIZER)) return;

    const nodes = deps.nodes
      .list()
      .filter((n) => matchesLabelSelector(n.metadata.labels, pool.spec.nodeSelector))
      .map((n) => n.metadata.name!)
      .sort();
    const outcomes = await Promise.all(nodes.map((node) => ensureOnNode(pool, node)));
    const status = poolStatus(
      pool,
      outcomes.map((o) => o.status),
    );
    await announce(
      pool,
      outcomes.map((o) => o.status),
    );
    await updateStatusIfChanged(deps.client, STORAGE_POOLS, pool, status as StatusWithConditions);
    await syncCapacities(
      name,
      outcomes.filter((o) => o.status.ready).map((o) => o.status),
    );

    const failed = outcomes.filter((o) => o.retry);
    if (failed.length) {
      // Thrown after status is written: the queue retries this pool with growing backoff.
      throw new Error(`pool ${name}: ${failed.map((o) => `${o.status.node}: ${o.status.message}`).join('; ')}`);
    }
    ctx.log.debug({ nodes: outcomes.length }, 'pool in sync');
    return { requeueAfter: POOL_RESYNC_MS };
  };

  async function ensureOnNode(pool: StoragePool, node: string): Promise<NodeOutcome> {
    const notReady = (message: string, retry: boolean): NodeOutcome => ({ status: { node, ready: false, message, disks: 0 }, retry });
    if (!deps.registry.endpoint(node)) return notReady('AgentUnavailable: no running Stratum agent on this node', true);
    const { selected, skipped } = selectDisks(pool, deps.disks.byIndex('node', node));
    if (!selected.length) {
      const why = [...skipped.entries()].map(([disk, reason]) => `${disk}: ${reason}`).join('; ');
      return notReady(`NoMatchingDisks: no disk on this node matches the pool${why ? ` (${why})` : ''}`, false);
    }
    try {
      const readAt = Date.now();
      const res = await deps.registry.call(node, 'EnsurePool', {
        name: pool.metadata.name!,
        backend: BACKENDS[pool.spec.backend],
        thin: pool.spec.thin,
        disks: selected.map((d) => d.status!.identity!.id!),
        allowUsed: false,
      });
      const status = capacityOf(node, res.pool!, pool.spec.thinOvercommitPercent ?? 100);
      deps.ledger.reported(pool.metadata.name!, node, readAt, {
        free: BigInt(res.pool!.freeBytes),
        allocatable: parseQuantity(status.allocatable!),
        thin: res.pool!.thin,
        wholeDisks: res.pool!.backend === BACKENDS.disk,
      });
      return { status: spaceNow(deps.ledger, pool.metadata.name!, status), retry: false };
    } catch (err) {
      const f = agentFailure(err);
      return notReady(`${f.reason}: ${f.message}`, f.retryable);
    }
  }

  async function remove(pool: StoragePool, ctx: ReconcileContext): Promise<ReconcileResult> {
    const name = pool.metadata.name!;
    const blocking: string[] = [];
    for (const node of (pool.status?.nodes ?? []).map((n) => n.node)) {
      try {
        await deps.registry.call(node, 'DeletePool', { name });
      } catch (err) {
        blocking.push(`${node}: ${agentFailure(err).message}`);
      }
    }
    if (blocking.length) {
      const message = `cannot delete the pool yet: ${blocking.join('; ')}`;
      await updateCondition(deps.client, STORAGE_POOLS, pool, readyCondition(false, 'Deleting', message, pool.metadata.generation));
      throw new Error(`pool ${name}: ${message}`);
    }
    await syncCapacities(name, []);
    await removeFinalizer(deps.client, STORAGE_POOLS, pool, FINALIZER);
    ctx.log.info({ pool: name }, 'pool deleted on every node');
  }

  async function syncCapacities(pool: string, ready: readonly NodeStatus[]): Promise<void> {
    const desired = desiredCapacities(
      deps.namespace,
      pool,
      deps.storageClasses.list(),
      ready.map((n) => ({ node: n.node, free: n.free ?? '0', allocatable: n.allocatable ?? '0' })),
    );
    const plan = planCapacities(desired, deps.capacities.byIndex('pool', pool));
    const path = (name?: string) => resourcePath(CSI_STORAGE_CAPACITIES, deps.namespace, name);
    for (const c of plan.create) await deps.client.request('POST', path(), { body: c });
    for (const c of plan.update) await deps.client.request('PUT', path(c.metadata.name), { body: c });
    for (const c of plan.remove) await deps.client.request('DELETE', path(c.metadata.name)).catch(ignoreNotFound);
  }

  async function announce(pool: StoragePool, next: readonly NodeStatus[]): Promise<void> {
    const before = new Map((pool.status?.nodes ?? []).map((n) => [n.node, n]));
    for (const n of next) {
      const prev = before.get(n.node);
      if (n.ready && !prev?.ready)
        await deps.events.record(pool, {
          type: 'Normal',
          reason: 'PoolReady',
          message: `pool ready on node ${n.node}: ${n.disks} disk(s), ${n.total} total`,
        });
      if (!n.ready && (prev?.ready || prev?.message !== n.message))
        await deps.events.record(pool, { type: 'Warning', reason: 'PoolNotReady', message: `node ${n.node}: ${n.message}` });
    }
  }
}

/** A node's entry with the space the ledger says it has now. */
function spaceNow(ledger: CapacityLedger, pool: string, n: NodeStatus): NodeStatus {
  const now = n.ready ? ledger.now(pool, n.node) : undefined;
  return now ? { ...n, free: formatBytes(now.free), allocatable: formatBytes(now.allocatable) } : n;
}

function capacityOf(node: string, pool: Pool__Output, overcommitPercent: number): NodeStatus {
  return {
    node,
    ready: true,
    disks: pool.disks.length,
    total: formatBytes(pool.totalBytes),
    free: formatBytes(pool.freeBytes),
    allocatable: formatBytes(pool.thin ? thinAllocatable(pool, overcommitPercent) : BigInt(pool.allocatableBytes)),
  };
}

/** What a thin pool may still hand out: its overcommit limit less the volumes it already holds. */
export function thinAllocatable(pool: Pick<Pool__Output, 'totalBytes' | 'provisionedBytes'>, overcommitPercent: number): bigint {
  const limit = (BigInt(pool.totalBytes) * BigInt(overcommitPercent)) / 100n;
  const provisioned = BigInt(pool.provisionedBytes);
  return limit > provisioned ? limit - provisioned : 0n;
}

function poolStatus(pool: StoragePool, nodes: NodeStatus[]): StoragePoolStatus {
  const ready = nodes.filter((n) => n.ready);
  const sum = (f: 'total' | 'free') => formatBytes(ready.reduce((acc, n) => acc + parseQuantity(n[f] ?? '0'), 0n));
  const failing = nodes.filter((n) => !n.ready);
  let condition;
  if (!nodes.length)
    condition = readyCondition(
      false,
      'NoMatchingNodes',
      `no node matches spec.nodeSelector${pool.spec.nodeSelector ? '' : ' (no node exists)'}; label nodes or change the selector`,
      pool.metadata.generation,
    );
  else if (!ready.length)
    condition = readyCondition(
      false,
      'NotFormed',
      `the pool is formed on no node: ${failing.map((n) => `${n.node}: ${n.message}`).join('; ')}`,
      pool.metadata.generation,
    );
  else
    condition = readyCondition(
      true,
      failing.length ? 'PartiallyReady' : 'Ready',
      `ready on ${ready.length} of ${nodes.length} node(s)${failing.length ? `; not on ${failing.map((n) => `${n.node} (${n.message})`).join('; ')}` : ''}`,
      pool.metadata.generation,
    );
  return {
    nodes,
    nodeCount: ready.length,
    diskCount: ready.reduce((acc, n) => acc + (n.disks ?? 0), 0),
    total: sum('total'),
    free: sum('free'),
    conditions: setCondition(pool.status?.conditions as Condition[] | undefined, condition) as StoragePoolStatus['conditions'],
  };
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}
