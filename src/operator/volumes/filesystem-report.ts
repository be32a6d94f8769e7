// The filesystem line of a LocalVolume's status: what the node that mounts the volume measures,
// from each node's volume listing (NodeVolumeScan). Written beside status.capacity so a grown
// volume whose filesystem has not followed yet reads as such in `kubectl get lv`.
import { formatBytesRounded } from '../../api/quantity.ts';
import type { LocalVolume, LocalVolumeStatus } from '../../api/index.ts';
import type { Volume__Output } from '../../agent-api/generated/stratum/agent/v1/Volume.ts';
import { isNotFound, resourcePath, type KubeClient } from '../runtime/kube/client.ts';
import type { Informer } from '../runtime/kube/informer.ts';
import { LOCAL_VOLUMES } from '../resources.ts';
import type { VolumeListingConsumer } from './node-volume-scan.ts';

export type FilesystemStatus = NonNullable<LocalVolumeStatus['filesystem']>;

export interface FilesystemChange {
  readonly volume: string;
  /** null: the node that had it mounted has it no longer. */
  readonly filesystem: FilesystemStatus | null;
}

/**
 * What the node's listing changes in the volumes' status: a filesystem mounted there that the
 * status does not show as it is, and a filesystem the status places on this node that is no longer
 * mounted (or whose volume is no longer listed). Other nodes' findings are left alone.
 */
export function filesystemChanges(node: string, listed: readonly Volume__Output[], volumes: readonly LocalVolume[]): FilesystemChange[] {
  const byName = new Map(volumes.map((v) => [v.metadata.name!, v]));
  const mounted = new Map<string, FilesystemStatus>();
  for (const v of listed)
    if (v.filesystem && !v.orphan && byName.has(v.id))
      mounted.set(v.id, { type: v.filesystem.type, capacity: formatBytesRounded(v.filesystem.sizeBytes), node });
  const changes: FilesystemChange[] = [];
  for (const [volume, fs] of mounted) {
    const have = byName.get(volume)!.status?.filesystem;
    if (have?.type !== fs.type || have.capacity !== fs.capacity || have.node !== fs.node) changes.push({ volume, filesystem: fs });
  }
  for (const v of volumes)
    if (v.status?.filesystem?.node === node && !mounted.has(v.metadata.name!)) changes.push({ volume: v.metadata.name!, filesystem: null });
  return changes;
}

export class FilesystemReport implements VolumeListingConsumer {
  constructor(private readonly deps: { readonly client: KubeClient; readonly volumes: Informer<LocalVolume> }) {}

  async consume(node: string, volumes: readonly Volume__Output[]): Promise<void> {
    // A merge patch of this one field: the reconciler owns the rest of the status and its observedGeneration.
    for (const c of filesystemChanges(node, volumes, this.deps.volumes.list()))
      await this.deps.client
        .request('PATCH', resourcePath(LOCAL_VOLUMES, undefined, c.volume, 'status'), {
          patchType: 'merge',
          body: { status: { filesystem: c.filesystem } },
        })
        .catch((err: unknown) => {
          // Deleted since the listing: nothing to report on.
          if (!isNotFound(err)) throw err;
        });
  }
}
