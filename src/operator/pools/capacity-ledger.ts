// Space the operator has handed out that the pool's last capacity report does not show yet. The
// report is refreshed every POOL_RESYNC_MS; without this, a burst of volumes placed between two
// reports all sees the same free space and piles onto one node. A replica reserves its size when
// it is placed; the reservation ends with the first report that was read after its volume was
// created on the node (the report counts it then), or when it is released (deleted unmade).
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

  /** A replica was placed on `node`: its size counts against the pool there until reported. */
  reserve(replica: string, pool: string, node: string, size: bigint): void {
    this.release(replica);
    this.byReplica.set(replica, { pool, node, size });
    this.add(pool, node, size);
  }

  /** The agent made the replica's volume: the next report read after now includes it. */
  made(replica: string, at = Date.now()): void {
    const r = this.byReplica.get(replica);
    if (r && r.madeAt === undefined) r.madeAt = at;
  }

  /** The replica is gone (or was never made): its space is not taken. */
  release(replica: string): void {
    const r = this.byReplica.get(replica);
    if (!r) return;
    this.byReplica.delete(replica);
    this.add(r.pool, r.node, -r.size);
  }

  /** The agent reported the pool's capacity on `node` from a read that started at `readAt`. */
  reported(pool: string, node: string, readAt: number): void {
    for (const [name, r] of this.byReplica)
      if (r.pool === pool && r.node === node && r.madeAt !== undefined && r.madeAt < readAt) this.release(name);
  }

  /** Bytes placed on `node` in `pool` that its last report does not show. */
  pending(pool: string, node: string): bigint {
    return this.sums.get(`${pool}/${node}`) ?? 0n;
  }

  private add(pool: string, node: string, size: bigint): void {
    const key = `${pool}/${node}`;
    const sum = (this.sums.get(key) ?? 0n) + size;
    if (sum === 0n) this.sums.delete(key);
    else this.sums.set(key, sum);
  }
}
