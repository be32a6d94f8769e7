// Replicas whose data vanished under them: a Ready replica whose LV (or claimed disk) its node's
// agent no longer lists, seen in each node's volume listing (NodeVolumeScan). The replica turns
// Lost with VolumeLost and the node named, a Warning Event says so, and nothing is re-created empty
// in its place (the replica reconciler refuses that too).
import type { VolumeReplica } from '../../api/index.ts';
import type { Volume__Output } from '../../agent-api/generated/stratum/agent/v1/Volume.ts';
import type { EventRecorder } from '../runtime/events.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { Informer } from '../runtime/kube/informer.ts';
import { VOLUME_REPLICAS } from '../resources.ts';
import { findCondition, readyCondition, updateCondition } from '../runtime/status.ts';
import type { VolumeListingConsumer } from './node-volume-scan.ts';

/** Conditions carry whole seconds: a replica Ready less than this before the listing may be newer than it. */
const SETTLED_MS = 2_000;

/**
 * Replicas on `node` that were Ready before the listing was taken (`listedAt`) and whose volume it
 * does not show: made, not being deleted, and not just made (its LV may postdate the listing).
 */
export function vanishedReplicas(
  node: string,
  listed: readonly Volume__Output[],
  replicas: readonly VolumeReplica[],
  listedAt: number,
): VolumeReplica[] {
  // A claimed whole disk stays listed (its claim is on record) but without a device when it is gone.
  const present = new Set(
    listed.filter((v) => !v.orphan && (v.backend !== 'POOL_BACKEND_DISK' || v.devicePresent)).map((v) => `${v.pool}/${v.id}`),
  );
  return replicas.filter((r) => {
    if (r.spec.node !== node || r.metadata.deletionTimestamp || r.status?.state !== 'Ready' || !r.status.devicePath) return false;
    const since = Date.parse(findCondition(r.status.conditions, 'Ready')?.lastTransitionTime ?? '');
    return since < listedAt - SETTLED_MS && !present.has(`${r.spec.pool}/${r.spec.volume}`);
  });
}

export class ReplicaPresence implements VolumeListingConsumer {
  constructor(
    private readonly deps: {
      readonly client: KubeClient;
      /** With an index `node` on spec.node. */
      readonly replicas: Informer<VolumeReplica>;
      readonly events: EventRecorder;
    },
  ) {}

  async consume(node: string, volumes: readonly Volume__Output[], listedAt: number): Promise<void> {
    for (const r of vanishedReplicas(node, volumes, this.deps.replicas.byIndex('node', node), listedAt)) {
      const disk = volumes.find((v) => v.id === r.spec.volume && v.pool === r.spec.pool && v.diskId)?.diskId;
      const what = disk ? `disk ${disk} (${r.status?.backingDevicePath})` : (r.status?.backingDevicePath ?? 'the LV');
      const message = `${what} of volume ${r.spec.volume} is gone from pool ${r.spec.pool} on node ${node} although it was made there: the agent no longer ${disk ? 'sees the disk' : 'lists it'}. Not re-created empty; remove this replica (or its volume) to go on`;
      const ready = readyCondition(false, 'VolumeLost', message, r.metadata.generation);
      await updateCondition(this.deps.client, VOLUME_REPLICAS, r, ready, { state: 'Lost', lastError: message });
      await this.deps.events.record(r, { type: 'Warning', reason: 'VolumeLost', message });
    }
  }
}
