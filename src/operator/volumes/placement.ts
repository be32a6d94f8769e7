// Where a volume's replicas go. Pure: pool capacity and the replicas that exist in, a plan out.
// The primary goes to the node the CSI request selected (or a user pinned); further replicas go
// to other ready nodes of the pool (or replicaPool) with the most allocatable space; never two
// replicas on one node; never a node being evicted.
import { formatBytes } from '../../api/quantity.ts';
import { compareNames } from '../../common/compare.ts';

export interface NodeSpace {
  readonly node: string;
  readonly ready: boolean;
  readonly allocatable: bigint;
}

export interface PoolSpace {
  readonly pool: string;
  readonly nodes: readonly NodeSpace[];
}

export interface PlacedReplica {
  readonly node: string;
  readonly pool: string;
  readonly role: 'primary' | 'secondary';
}

export interface PlacementInput {
  readonly size: bigint;
  readonly replicas: number;
  readonly pool: PoolSpace;
  /** Pool of secondary replicas, when it differs. */
  readonly replicaPool?: PoolSpace;
  /** spec.accessibility.nodes: the first holds the primary. */
  readonly preferred: readonly string[];
  /** Nodes holding a replica now, evicted ones included (a node never gets a second one). */
  readonly occupied: readonly string[];
  /** Replicas that count toward `replicas`: those not on evicted nodes. */
  readonly kept: number;
  /** The volume has a primary on a node that stays. */
  readonly hasPrimary: boolean;
  readonly excluded: ReadonlySet<string>;
}

export interface PlacementShortfall {
  readonly reason: 'InsufficientCapacity' | 'NotEnoughNodes' | 'NodeUnavailable';
  readonly message: string;
}

export interface PlacementPlan {
  readonly add: PlacedReplica[];
  /** Replicas that could not be placed, and why. */
  readonly shortfall?: PlacementShortfall;
}

/** Replicas to add so that `kept + add` reaches `replicas`. */
export function placeReplicas(input: PlacementInput): PlacementPlan {
  const add: PlacedReplica[] = [];
  const used = new Set(input.occupied);
  let missing = input.replicas - input.kept;
  if (missing <= 0) return { add };

  if (!input.hasPrimary && input.kept === 0) {
    const primary = choosePrimary(input, used);
    if ('reason' in primary) return { add, shortfall: primary };
    add.push(primary);
    used.add(primary.node);
    missing--;
  }
  const secondaryPool = input.replicaPool ?? input.pool;
  while (missing > 0) {
    const node = best(secondaryPool, input, used);
    if (!node) return { add, shortfall: noRoom(secondaryPool, input, used, missing) };
    add.push({ node: node.node, pool: secondaryPool.pool, role: 'secondary' });
    used.add(node.node);
    missing--;
  }
  return { add };
}

function choosePrimary(input: PlacementInput, used: ReadonlySet<string>): PlacedReplica | PlacementShortfall {
  const wanted = input.preferred.find((n) => !input.excluded.has(n));
  if (wanted) {
    const space = input.pool.nodes.find((n) => n.node === wanted);
    if (!space?.ready) {
      return {
        reason: 'NodeUnavailable',
        message: `pool ${input.pool.pool} is not ready on node ${wanted}, which the volume must use (spec.accessibility)`,
      };
    }
    if (space.allocatable < input.size) {
      return {
        reason: 'InsufficientCapacity',
        message: `pool ${input.pool.pool} on node ${wanted} has ${formatBytes(space.allocatable)} allocatable, the volume needs ${formatBytes(input.size)}`,
      };
    }
    return { node: wanted, pool: input.pool.pool, role: 'primary' };
  }
  const node = best(input.pool, input, used);
  if (!node) return noRoom(input.pool, input, used, input.replicas);
  return { node: node.node, pool: input.pool.pool, role: 'primary' };
}

function candidates(pool: PoolSpace, input: PlacementInput, used: ReadonlySet<string>): NodeSpace[] {
  return pool.nodes.filter((n) => n.ready && !used.has(n.node) && !input.excluded.has(n.node));
}

function best(pool: PoolSpace, input: PlacementInput, used: ReadonlySet<string>): NodeSpace | undefined {
  return candidates(pool, input, used)
    .filter((n) => n.allocatable >= input.size)
    .sort((a, b) => (a.allocatable === b.allocatable ? compareNames(a.node, b.node) : a.allocatable > b.allocatable ? -1 : 1))[0];
}

function noRoom(pool: PoolSpace, input: PlacementInput, used: ReadonlySet<string>, missing: number): PlacementShortfall {
  const free = candidates(pool, input, used);
  if (!free.length) {
    return {
      reason: 'NotEnoughNodes',
      message: `pool ${pool.pool} has no further ready node for ${missing} more replica(s) (each replica needs its own node; evicted nodes are excluded)`,
    };
  }
  const biggest = free.reduce((a, b) => (b.allocatable > a.allocatable ? b : a));
  return {
    reason: 'InsufficientCapacity',
    message: `pool ${pool.pool} has no node with ${formatBytes(input.size)} allocatable for ${missing} more replica(s); the most is ${formatBytes(biggest.allocatable)} on node ${biggest.node}`,
  };
}
