// Replicas whose data is gone from under them: a Ready replica whose LV (or claimed disk) its
// node's agent no longer lists, or lists as partial (a disk of the pool unplugged), seen in each
// node's volume listing (NodeVolumeScan). The replica turns Lost — DiskMissing with the pool's
// missing disks named, else VolumeLost — a Warning Event says so, and nothing is re-created empty
// in its place (the replica reconciler refuses that too).
import type { LocalDisk, VolumeReplica } from '../../api/index.ts';
import type { Volume__Output } from '../../agent-api/generated/stratum/agent/v1/Volume.ts';
import type { EventRecorder } from '../runtime/events.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { Informer } from '../runtime/kube/informer.ts';
import { VOLUME_REPLICAS } from '../resources.ts';
import { findCondition, readyCondition, updateCondition } from '../runtime/status.ts';
import type { VolumeListingConsumer } from './node-volume-scan.ts';
import { volumeLostMessage } from './volume-lost.ts';

/** Conditions carry whole seconds: a replica Ready less than this before the listing may be newer than it. */
const SETTLED_MS = 2_000;

/** A replica whose data its node no longer holds whole, and what the listing shows of it. */
export interface LostData {
  readonly replica: VolumeReplica;
  /** The claimed whole disk, when the volume is one. */
  readonly diskId?: string;
  /** The LV is still listed, but part of it lies on a disk the node no longer sees. */
  readonly partial: boolean;
}

/**
 * Replicas on `node` that were Ready before the listing was taken (`listedAt`) and whose volume it
 * does not show whole: gone, a claimed disk without its device, or an LV that is partial. Only
 * made ones, not being deleted, and not just made (the LV may postdate the listing); Lost ones
 * with VolumeLost come again, so the disk behind the loss is named once it shows as Missing.
 */
export function lostReplicas(
  node: string,
  listed: readonly Volume__Output[],
  replicas: readonly VolumeReplica[],
  listedAt: number,
): LostData[] {
  const byKey = new Map(listed.filter((v) => !v.orphan).map((v) => [`${v.pool}/${v.id}`, v]));
  return replicas.flatMap((r) => {
    if (r.spec.node !== node || r.metadata.deletionTimestamp || !r.status?.devicePath) return [];
    const ready = findCondition(r.status.conditions, 'Ready');
    // Lost already, but its disk not named yet: the disk's Missing state may reach us after its LV did.
    if (r.status.state !== 'Ready' && !(r.status.state === 'Lost' && ready?.reason === 'VolumeLost')) return [];
    const since = Date.parse(ready?.lastTransitionTime ?? '');
    if (!(since < listedAt - SETTLED_MS)) return [];
    const v = byKey.get(`${r.spec.pool}/${r.spec.volume}`);
    // A claimed whole disk stays listed (its claim is on record) but without a device when it is gone.
    if (v && !v.partial && (v.backend !== 'POOL_BACKEND_DISK' || v.devicePresent)) return [];
    return [{ replica: r, partial: !!v?.partial, ...(v?.diskId ? { diskId: v.diskId } : {}) }];
  });
}

export class ReplicaPresence implements VolumeListingConsumer {
  constructor(
    private readonly deps: {
      readonly client: KubeClient;
      /** With an index `node` on spec.node. */
      readonly replicas: Informer<VolumeReplica>;
      /** LocalDisks, with an index `node` on spec.nodeName: which of the pool's disks are Missing. */
      readonly disks: Pick<Informer<LocalDisk>, 'byIndex'>;
      readonly events: EventRecorder;
    },
  ) {}

  async consume(node: string, volumes: readonly Volume__Output[], listedAt: number): Promise<void> {
    for (const lost of lostReplicas(node, volumes, this.deps.replicas.byIndex('node', node), listedAt)) {
      const r = lost.replica;
      const missing = this.deps.disks
        .byIndex('node', node)
        .filter((d) => d.status?.pool === r.spec.pool && d.status.state === 'Missing')
        .map((d) => `disk ${d.metadata.name} (${d.status?.devicePath ?? 'no device'})`);
      const what = lost.diskId ? `disk ${lost.diskId} (${r.status?.backingDevicePath})` : (r.status?.backingDevicePath ?? 'the LV');
      const message = volumeLostMessage({
        volume: r.spec.volume,
        pool: r.spec.pool,
        node,
        what,
        how: lost.partial ? 'lies partly on a disk the node no longer sees' : 'is gone although it was made there',
        missingDisks: missing,
      });
      const reason = missing.length || lost.diskId ? 'DiskMissing' : 'VolumeLost';
      const current = findCondition(r.status?.conditions, 'Ready');
      if (r.status?.state === 'Lost' && current?.reason === reason && current.message === message) continue;
      await updateCondition(this.deps.client, VOLUME_REPLICAS, r, readyCondition(false, reason, message, r.metadata.generation), {
        state: 'Lost',
        lastError: message,
      });
      await this.deps.events.record(r, { type: 'Warning', reason, message });
    }
  }
}
