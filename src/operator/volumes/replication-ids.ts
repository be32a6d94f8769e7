// DRBD identifiers of replicated volumes: one port and one minor per volume, unique in the
// cluster (a node may hold replicas of many volumes), and a node id per replica. The cache may
// lag behind our own writes, so allocations are remembered until the cache shows them.
import type { VolumeReplica } from '../../api/index.ts';
import { DRBD_MINOR_BASE } from '../../common/constants.ts';
import { compareNames } from '../../common/compare.ts';

export const DRBD_PORT_BASE = 7789;
const SPAN = 20_000;

export interface VolumeIds {
  readonly port: number;
  readonly minor: number;
}

export class ReplicationIdAllocator {
  private readonly reserved = new Map<string, VolumeIds>();

  constructor(private readonly allReplicas: () => readonly VolumeReplica[]) {}

  /** The volume's port and minor: the ones its replicas carry, else the lowest free pair. */
  idsFor(volume: string): VolumeIds {
    const replicas = this.allReplicas();
    const own = replicas.find((r) => r.spec.volume === volume && r.spec.replication)?.spec.replication;
    if (own) {
      this.reserved.delete(volume);
      return { port: own.port, minor: own.minor };
    }
    const held = this.reserved.get(volume);
    if (held) return held;
    const ports = new Set<number>();
    const minors = new Set<number>();
    for (const r of replicas) {
      if (r.spec.replication && r.spec.volume !== volume) {
        ports.add(r.spec.replication.port);
        minors.add(r.spec.replication.minor);
      }
    }
    for (const ids of this.reserved.values()) {
      ports.add(ids.port);
      minors.add(ids.minor);
    }
    for (let i = 0; i < SPAN; i++) {
      const ids = { port: DRBD_PORT_BASE + i, minor: DRBD_MINOR_BASE + i };
      if (!ports.has(ids.port) && !minors.has(ids.minor)) {
        this.reserved.set(volume, ids);
        return ids;
      }
    }
    throw new Error(`no free DRBD port/minor pair left among ${SPAN}`);
  }

  release(volume: string): void {
    this.reserved.delete(volume);
  }
}

/** Node ids 0–31 per replica: kept when set, the lowest free one otherwise, the primary first. */
export function assignNodeIds(replicas: readonly { name: string; role: string; nodeId?: number }[]): Map<string, number> {
  const out = new Map<string, number>();
  const taken = new Set<number>();
  for (const r of replicas)
    if (r.nodeId !== undefined) {
      out.set(r.name, r.nodeId);
      taken.add(r.nodeId);
    }
  const rest = replicas
    .filter((r) => r.nodeId === undefined)
    .sort((a, b) => (a.role === b.role ? compareNames(a.name, b.name) : a.role === 'primary' ? -1 : 1));
  for (const r of rest) {
    let id = 0;
    while (taken.has(id)) id++;
    out.set(r.name, id);
    taken.add(id);
  }
  return out;
}
