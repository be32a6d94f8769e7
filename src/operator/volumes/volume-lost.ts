// One wording for a replica whose data is gone from its node, whoever finds it: the node's volume
// scan, or the replica reconciler when the agent answers NOT_FOUND for a volume it had made.

export interface VolumeLost {
  readonly volume: string;
  readonly pool: string;
  readonly node: string;
  /** The LV or disk, as the replica's status knows it. */
  readonly what: string;
  /** What became of it, e.g. "is no longer listed". */
  readonly how: string;
  /** The pool's disks the node no longer sees, when there are any. */
  readonly missingDisks?: readonly string[];
}

export function volumeLostMessage(l: VolumeLost): string {
  const disks = l.missingDisks?.length ? ` (missing from the node: ${l.missingDisks.join(', ')})` : '';
  return (
    `${l.what} of volume ${l.volume} in pool ${l.pool} on node ${l.node} ${l.how}${disks}. ` +
    'Not re-created empty; remove this replica (or its volume) to go on'
  );
}
