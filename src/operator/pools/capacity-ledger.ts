// Space the operator has handed out that the pool's last capacity report does not show yet. The
// report is refreshed every POOL_RESYNC_MS; without this, a burst of volumes placed between two
// reports all sees the same free space and piles onto one node. A replica reserves its size when
// it is placed; the reservation ends with the first report that was read after its volume was
// created on the node (the report counts it then), or when it is released (deleted unmade).
// With each node's last report it also tells what the pool holds now, so its status can follow
// volume creation between two reports without asking the agents again.
import { Subject } from 'rxjs';

export interface NodeSpaceNow {
  /** Free bytes: the last report less the volumes made since. */
  readonly free: bigint;
  /** Largest volume that fits: the last report less every replica placed since. */
  readonly allocatable: bigint;
}
export interface Reservation {
  readonly pool: string;
  readonly node: string;
  readonly size: bigint;
  /** When the agent confirmed the volume (ms since epoch); undefined while it is not made yet. */
  madeAt?: number;
}

export class CapacityLedger {
  private readonly byReplica = new Map<string, Reservation>();
  /** Sum of the reservations per `pool/node`: placement asks for every node of a pool at each volume. */
  private readonly sums = new Map<string, bigint>();
  /** Of those, the replicas already made (they take free space). */
  private readonly madeSums = new Map<string, bigint>();
  private readonly reports = new Map<string, NodeSpaceNow & { readonly thin: boolean }>();
  private readonly changes = new Subject<string>();
  /** Names of pools whose space changed by a placement, a volume made, or one released. */
  readonly changes$ = this.changes.asObservable();
  private readonly freedSpace = new Subject<string>();
  /**
   * Names of pools where a volume was removed: their last report still counts it, and only a new
   * report shows the space free again (a whole disk freed is not a sum the ledger can add back).
   */
  readonly freed$ = this.freedSpace.asObservable();

  /** The agent removed a volume from `pool`: its report should be read again. */
  freed(pool: string): void {
    this.freedSpace.next(pool);
  }

  /** A replica was placed on `node`: its size counts against the pool there until reported. */
  reserve(replica: string, pool: string, node: string, size: bigint): void {
    this.release(replica);
    this.byReplica.set(replica, { pool, node, size });
    this.add(this.sums, pool, node, size);
    this.changes.next(pool);
  }

  /** The agent made the replica's volume: the next report read after now includes it. */
  made(replica: string, at = Date.now()): void {
    const r = this.byReplica.get(replica);
    if (!r || r.madeAt !== undefined) return;
    r.madeAt = at;
    this.add(this.madeSums, r.pool, r.node, r.size);
    this.changes.next(r.pool);
  }

  /** The replica is gone (or was never made): its space is not taken. */
  release(replica: string): void {
    const r = this.byReplica.get(replica);
    if (!r) return;
    this.byReplica.delete(replica);
    this.add(this.sums, r.pool, r.node, -r.size);
    if (r.madeAt !== undefined) this.add(this.madeSums, r.pool, r.node, -r.size);
    this.changes.next(r.pool);
  }

  /** The agent reported the pool's space on `node` from a read that started at `readAt`. */
  reported(pool: string, node: string, readAt: number, space: NodeSpaceNow & { readonly thin: boolean }): void {
    this.reports.set(`${pool}/${node}`, space);
    for (const [name, r] of this.byReplica)
      if (r.pool === pool && r.node === node && r.madeAt !== undefined && r.madeAt < readAt) this.release(name);
  }

  /** Bytes placed on `node` in `pool` that its last report does not show. */
  pending(pool: string, node: string): bigint {
    return this.sums.get(`${pool}/${node}`) ?? 0n;
  }

  /** The pool's space on `node` now; undefined before this operator's first report of it. */
  now(pool: string, node: string): NodeSpaceNow | undefined {
    const key = `${pool}/${node}`;
    const report = this.reports.get(key);
    if (!report) return undefined;
    const less = (a: bigint, b: bigint) => (a > b ? a - b : 0n);
    // A thin volume takes free space only as it is written: the report's figure stands.
    const free = report.thin ? report.free : less(report.free, this.madeSums.get(key) ?? 0n);
    return { free, allocatable: less(report.allocatable, this.sums.get(key) ?? 0n) };
  }

  private add(sums: Map<string, bigint>, pool: string, node: string, size: bigint): void {
    const key = `${pool}/${node}`;
    const sum = (sums.get(key) ?? 0n) + size;
    if (sum === 0n) sums.delete(key);
    else sums.set(key, sum);
  }
}
