// Space the operator has handed out that the pool's last capacity report does not show yet. The
// report is refreshed every POOL_RESYNC_MS; without this, a burst of volumes placed between two
// reports all sees the same free space and piles onto one node. A replica reserves its size when
// it is placed; the reservation ends with the first report that was read after its volume was
// created on the node (the report counts it then), or when it is released (deleted unmade).
// Removals work the same way the other round: a volume removed from a thick LVM pool counts as
// free until a report read after its removal shows it, so a burst of deletions needs no report
// (a replicated volume's small DRBD metadata LV is left for that report to show). What the ledger
// cannot know (those metadata LVs, extents rounding, other users of the volume group) can make an
// agent turn a volume down for want of space: until the node's next report, nothing that large
// counts as fitting there, and the pool is read again at once.
// With each node's last report it also tells what the pool holds now, so its status can follow
// volume creation and removal between two reports without asking the agents again.
import { Subject } from 'rxjs';

export interface NodeSpaceNow {
  /** Free bytes: the last report less the volumes made since. */
  readonly free: bigint;
  /** Largest volume that fits: the last report less every replica placed since. */
  readonly allocatable: bigint;
}
/** A node's report as the ledger keeps it. */
export interface NodeReport extends NodeSpaceNow {
  /** Thin: a volume takes and frees space only as it is written. */
  readonly thin: boolean;
  /** A pool of whole disks: a removal frees a disk, which is no sum to add back. */
  readonly wholeDisks: boolean;
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
  private readonly reports = new Map<string, NodeReport>();
  /** Volumes removed since the last report of their node, and their sum per `pool/node`. */
  private readonly removals: { readonly key: string; readonly size: bigint; readonly at: number }[] = [];
  private readonly freedSums = new Map<string, bigint>();
  /** The smallest volume an agent turned down per `pool/node` since its last report, and when. */
  private readonly refusals = new Map<string, { readonly size: bigint; readonly at: number }>();
  private readonly changes = new Subject<string>();
  /** Names of pools whose space changed by a placement, a volume made, or one released. */
  readonly changes$ = this.changes.asObservable();
  private readonly unknown = new Subject<string>();
  /**
   * Names of pools whose space only a new report can tell: a volume was removed and the ledger
   * cannot add back what it freed (a thin pool, a pool of whole disks, a node not reported yet), or
   * an agent turned a volume down that the ledger thought would fit.
   */
  readonly reread$ = this.unknown.asObservable();

  /**
   * The agent removed the replica's volume (`size` bytes) from `pool` on `node`. Its reservation
   * ends; a volume the last report counted is free again from now on, where the ledger can add it
   * back, else reread$ names the pool to read again.
   */
  removed(replica: string, pool: string, node: string, size: bigint, at = Date.now()): void {
    const reserved = this.byReplica.has(replica);
    this.release(replica);
    // Still reserved: no report read counts the volume, so ending the reservation is all.
    if (reserved) return;
    const key = `${pool}/${node}`;
    const report = this.reports.get(key);
    if (!report || report.thin || report.wholeDisks) {
      this.unknown.next(pool);
      return;
    }
    this.removals.push({ key, size, at });
    this.add(this.freedSums, pool, node, size);
    this.changes.next(pool);
  }

  /** The agent on `node` turned down a volume of `size` bytes for want of space. */
  refused(pool: string, node: string, size: bigint, at = Date.now()): void {
    const key = `${pool}/${node}`;
    const known = this.refusals.get(key);
    if (!known || size < known.size) this.refusals.set(key, { size, at });
    this.unknown.next(pool);
    this.changes.next(pool);
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
  reported(pool: string, node: string, readAt: number, space: NodeReport): void {
    const key = `${pool}/${node}`;
    this.reports.set(key, space);
    const refusal = this.refusals.get(key);
    if (refusal && refusal.at < readAt) this.refusals.delete(key);
    for (const [name, r] of this.byReplica)
      if (r.pool === pool && r.node === node && r.madeAt !== undefined && r.madeAt < readAt) this.release(name);
    for (let i = this.removals.length - 1; i >= 0; i--) {
      const r = this.removals[i]!;
      if (r.key !== key || r.at >= readAt) continue;
      this.removals.splice(i, 1);
      this.add(this.freedSums, pool, node, -r.size);
    }
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
    const freed = this.freedSums.get(key) ?? 0n;
    const free = report.thin ? report.free : less(report.free + freed, this.madeSums.get(key) ?? 0n);
    const allocatable = less(report.allocatable + freed, this.sums.get(key) ?? 0n);
    const refused = this.refusals.get(key)?.size;
    return { free, allocatable: refused !== undefined && allocatable >= refused ? refused - 1n : allocatable };
  }

  private add(sums: Map<string, bigint>, pool: string, node: string, size: bigint): void {
    const key = `${pool}/${node}`;
    const sum = (sums.get(key) ?? 0n) + size;
    if (sum === 0n) sums.delete(key);
    else sums.set(key, sum);
  }
}
