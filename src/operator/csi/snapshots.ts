// CSI snapshots, restores and clones. A CSI snapshot is a LocalVolumeSnapshot (the leader's
// snapshot reconciler has the node's agent take the thin snapshot); a restore or clone is a
// LocalVolume with spec.source, pinned to the node that holds its source, because a thin snapshot
// shares blocks with its origin and cannot leave its thin pool. As for volumes, these calls only
// write API objects and wait for them within the call's deadline.
//
// Thin snapshots are independent of their origin once taken: deleting a volume that has
// snapshots deletes the volume and keeps the snapshots (which stay restorable), and deleting a
// snapshot whose volume is gone removes just the snapshot — both succeed, as the CSI spec allows.
import { createHash } from 'node:crypto';
import { status as Status } from '@grpc/grpc-js';
import type { LocalVolume, LocalVolumeSnapshot, StoragePool } from '../../api/index.ts';
import { formatBytes, parseQuantity } from '../../api/quantity.ts';
import type { CallScope } from '../../agent-api/call-scope.ts';
import type * as grpc from '@grpc/grpc-js';
import type { Handler } from '../../agent-api/handler.ts';
import type { ControllerHandlers } from '../../csi/api/generated/csi/v1/Controller.ts';
import type { Snapshot } from '../../csi/api/generated/csi/v1/Snapshot.ts';
import type { CreateSnapshotRequest__Output } from '../../csi/api/generated/csi/v1/CreateSnapshotRequest.ts';
import type { DeleteSnapshotRequest__Output } from '../../csi/api/generated/csi/v1/DeleteSnapshotRequest.ts';
import type { ListSnapshotsRequest__Output } from '../../csi/api/generated/csi/v1/ListSnapshotsRequest.ts';
import type { VolumeContentSource__Output } from '../../csi/api/generated/csi/v1/VolumeContentSource.ts';
import { csiError, csiNotFound, invalid } from '../../csi/errors.ts';
import type { Logger } from '../../common/log.ts';
import { isConflict, isNotFound, resourcePath, type KubeClient, type ResourceType } from '../runtime/kube/client.ts';
import { findCondition } from '../runtime/status.ts';
import { LOCAL_VOLUMES, LOCAL_VOLUME_SNAPSHOTS, STORAGE_POOLS } from '../resources.ts';
import { CSI_NAME_ANNOTATION, isVolumeName, type CsiVolumeRequest } from './volume-request.ts';

/** The helpers of the controller service that these calls share. */
export interface SnapshotDeps {
  readonly client: KubeClient;
  readonly log: Logger;
  get<T>(rt: ResourceType, name: string): Promise<T | undefined>;
  waitFor<T>(scope: CallScope, check: () => Promise<T | undefined>): Promise<T | undefined>;
  csiUnary<Req, Res>(method: string, fn: Handler<Req, Res>): grpc.handleUnaryCall<Req, Res>;
}

/** Snapshot Ready reasons no wait will fix: the object is removed again and the call refused. */
const SNAPSHOT_REFUSALS: Record<string, Status> = {
  ThinPoolRequired: Status.FAILED_PRECONDITION,
  VolumeNotFound: Status.NOT_FOUND,
  NotFound: Status.NOT_FOUND,
  InvalidRequest: Status.INVALID_ARGUMENT,
};

const THIN_REQUIRED = 'snapshots, restores and clones need a thin LVM pool (StoragePool spec.thin: true)';

/**
 * The LocalVolumeSnapshot (and LV) name for a CSI snapshot name. csi-snapshotter's
 * `snapshot-<uuid>` becomes `snap-<uuid>` (LVM reserves names starting with "snapshot"); any
 * other name becomes `snap-<sha256 prefix>`. Always `snap-`, so no snapshot takes a volume's name.
 */
export function snapshotName(csiName: string): string {
  const rest = csiName.startsWith('snapshot-') ? csiName.slice('snapshot-'.length) : '';
  if (rest && isVolumeName(`snap-${rest}`)) return `snap-${rest}`;
  return `snap-${createHash('sha256').update(csiName).digest('hex').slice(0, 40)}`;
}

const isSnapshotName = (id: string) => isVolumeName(id) && id.startsWith('snap-');

function csiSnapshot(s: LocalVolumeSnapshot, fallbackBytes = 0n): Snapshot {
  const created = Date.parse(s.status?.creationTime ?? s.metadata.creationTimestamp ?? '');
  const ms = Number.isNaN(created) ? 0 : created;
  return {
    snapshotId: s.metadata.name!,
    sourceVolumeId: s.spec.volume,
    sizeBytes: String(s.status?.restoreSize ? parseQuantity(s.status.restoreSize) : fallbackBytes),
    creationTime: { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 },
    readyToUse: s.status?.readyToUse === true,
  };
}

function poolProblem(pool: StoragePool | undefined, what: string, poolName: string): string | undefined {
  if (!pool) return `${what} is in pool ${poolName}, which no longer exists`;
  if (pool.spec.backend === 'disk') return `${what} is in pool ${poolName}, a disk pool (whole disks): ${THIN_REQUIRED}`;
  if (!pool.spec.thin) return `${what} is in pool ${poolName}, a thick LVM pool: ${THIN_REQUIRED}`;
  return undefined;
}

/** ListSnapshots tokens: the name the previous page ended with. */
const TOKEN_PREFIX = 'after-snapshot:';

export function snapshotHandlers(deps: SnapshotDeps): Pick<ControllerHandlers, 'CreateSnapshot' | 'DeleteSnapshot' | 'ListSnapshots'> {
  const { client, log, get, waitFor, csiUnary } = deps;
  const getSnapshot = (id: string) =>
    isSnapshotName(id) ? get<LocalVolumeSnapshot>(LOCAL_VOLUME_SNAPSHOTS, id) : Promise.resolve(undefined);
  const getVolume = (id: string) => (isVolumeName(id) ? get<LocalVolume>(LOCAL_VOLUMES, id) : Promise.resolve(undefined));
  const remove = (name: string) =>
    client.request('DELETE', resourcePath(LOCAL_VOLUME_SNAPSHOTS, undefined, name)).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });

  return {
    CreateSnapshot: csiUnary('CreateSnapshot', async (req: CreateSnapshotRequest__Output, scope) => {
      const { name: csiName, sourceVolumeId } = req;
      if (!csiName) throw invalid('name is required');
      if (!sourceVolumeId) throw invalid('source_volume_id is required');
      const name = snapshotName(csiName);
      let snap = await getSnapshot(name);
      let sourceBytes = 0n;
      if (snap) {
        if (snap.metadata.annotations?.[CSI_NAME_ANNOTATION] !== csiName)
          throw csiError(
            Status.ALREADY_EXISTS,
            `LocalVolumeSnapshot ${name} exists and was not made for CSI snapshot ${JSON.stringify(csiName)}`,
          );
        if (snap.spec.volume !== sourceVolumeId)
          throw csiError(Status.ALREADY_EXISTS, `snapshot ${csiName} exists of volume ${snap.spec.volume}, not ${sourceVolumeId}`);
        if (snap.metadata.deletionTimestamp) throw csiError(Status.ABORTED, `snapshot ${csiName} is still being deleted: retry`);
      } else {
        const volume = await getVolume(sourceVolumeId);
        if (!volume) throw csiNotFound(`source volume ${sourceVolumeId} does not exist`);
        const problem = poolProblem(await get<StoragePool>(STORAGE_POOLS, volume.spec.pool), `volume ${sourceVolumeId}`, volume.spec.pool);
        if (problem) throw csiError(Status.FAILED_PRECONDITION, problem);
        const node = volume.status?.primaryNode;
        if (!node)
          throw csiError(Status.ABORTED, `volume ${sourceVolumeId} has no node yet (phase ${volume.status?.phase ?? 'Pending'}): retry`);
        sourceBytes = volume.status?.capacity ? parseQuantity(volume.status.capacity) : parseQuantity(volume.spec.size);
        const body: LocalVolumeSnapshot = {
          apiVersion: 'storage.stratum.dev/v1alpha1',
          kind: 'LocalVolumeSnapshot',
          metadata: { name, annotations: { [CSI_NAME_ANNOTATION]: csiName } },
          spec: { volume: sourceVolumeId, node, pool: volume.spec.pool },
        };
        try {
          snap = await client.request<LocalVolumeSnapshot>('POST', resourcePath(LOCAL_VOLUME_SNAPSHOTS), { body });
          log.info({ snapshot: name, csiName, volume: sourceVolumeId, node }, 'LocalVolumeSnapshot created');
        } catch (err) {
          if (isConflict(err)) throw csiError(Status.ABORTED, `snapshot ${csiName} is being created by a concurrent call: retry`);
          throw err;
        }
      }
      const settled = await waitFor(scope, async () => {
        const cur = await getSnapshot(name);
        if (!cur) throw csiError(Status.ABORTED, `LocalVolumeSnapshot ${name} disappeared while being created: retry`);
        snap = cur;
        const ready = findCondition(cur.status?.conditions, 'Ready');
        if (ready?.status === 'False' && SNAPSHOT_REFUSALS[ready.reason] !== undefined) return { refused: ready, cur };
        return cur.status?.readyToUse ? { refused: undefined, cur } : undefined;
      });
      if (settled?.refused) {
        await remove(name);
        throw csiError(SNAPSHOT_REFUSALS[settled.refused.reason]!, `snapshot ${csiName} cannot be taken: ${settled.refused.message}`);
      }
      // Not ready within the call: CSI lets the answer say so; csi-snapshotter asks again.
      return { snapshot: csiSnapshot(snap!, sourceBytes) };
    }),

    DeleteSnapshot: csiUnary('DeleteSnapshot', async (req: DeleteSnapshotRequest__Output, scope) => {
      const { snapshotId } = req;
      if (!snapshotId) throw invalid('snapshot_id is required');
      const snap = await getSnapshot(snapshotId);
      if (!snap) return {};
      if (!snap.metadata.deletionTimestamp) {
        await remove(snapshotId);
        log.info({ snapshot: snapshotId }, 'LocalVolumeSnapshot deleted');
      }
      const gone = await waitFor(scope, async () => ((await getSnapshot(snapshotId)) ? undefined : true));
      if (!gone) throw csiError(Status.ABORTED, `snapshot ${snapshotId} is being deleted: retry`);
      return {};
    }),

    ListSnapshots: csiUnary('ListSnapshots', async (req: ListSnapshotsRequest__Output) => {
      const { maxEntries, startingToken, sourceVolumeId, snapshotId } = req;
      if (maxEntries < 0) throw invalid('max_entries must not be negative');
      let after = '';
      if (startingToken) {
        after = startingToken.slice(TOKEN_PREFIX.length);
        if (!startingToken.startsWith(TOKEN_PREFIX) || !isSnapshotName(after))
          throw csiError(Status.ABORTED, `starting_token ${JSON.stringify(startingToken)} was not issued by this plugin`);
      }
      let all: LocalVolumeSnapshot[];
      if (snapshotId) {
        const one = await getSnapshot(snapshotId);
        all = one ? [one] : [];
      } else {
        all = (await client.request<{ items: LocalVolumeSnapshot[] }>('GET', resourcePath(LOCAL_VOLUME_SNAPSHOTS))).items;
      }
      const matching = all
        .filter((s) => !s.metadata.deletionTimestamp && (!sourceVolumeId || s.spec.volume === sourceVolumeId))
        .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
      const rest = after ? matching.filter((s) => s.metadata.name! > after) : matching;
      const page = maxEntries > 0 ? rest.slice(0, maxEntries) : rest;
      const more = page.length < rest.length;
      return {
        entries: page.map((s) => ({ snapshot: csiSnapshot(s) })),
        nextToken: more ? `${TOKEN_PREFIX}${page.at(-1)!.metadata.name!}` : '',
      };
    }),
  };
}

/**
 * A CreateVolume request with a content source: the same request pinned to the source's node and
 * pool, with spec.source set. Refused before anything is written when the source is missing
 * (NOT_FOUND), not on a thin pool (FAILED_PRECONDITION), in another pool or replicated
 * (INVALID_ARGUMENT), larger than the request (OUT_OF_RANGE), or its node's thin pool cannot take
 * the volume (RESOURCE_EXHAUSTED: past the overcommit limit, or no data space left).
 */
export async function withContentSource(
  want: CsiVolumeRequest,
  source: VolumeContentSource__Output,
  requisiteNodes: readonly string[],
  get: SnapshotDeps['get'],
): Promise<CsiVolumeRequest> {
  let node: string;
  let pool: string;
  let bytes: bigint;
  let what: string;
  let specSource: { snapshot: string } | { volume: string };
  if (source.type === 'snapshot') {
    const id = source.snapshot?.snapshotId ?? '';
    const snap = isSnapshotName(id) ? await get<LocalVolumeSnapshot>(LOCAL_VOLUME_SNAPSHOTS, id) : undefined;
    if (!snap || snap.metadata.deletionTimestamp) throw csiNotFound(`source snapshot ${JSON.stringify(id)} does not exist`);
    if (!snap.status?.readyToUse) throw csiError(Status.ABORTED, `source snapshot ${id} is not ready to use yet: retry`);
    ({ node, pool } = snap.spec);
    bytes = snap.status.restoreSize ? parseQuantity(snap.status.restoreSize) : 0n;
    what = `snapshot ${id}`;
    specSource = { snapshot: id };
  } else if (source.type === 'volume') {
    const id = source.volume?.volumeId ?? '';
    const vol = isVolumeName(id) ? await get<LocalVolume>(LOCAL_VOLUMES, id) : undefined;
    if (!vol || vol.metadata.deletionTimestamp) throw csiNotFound(`source volume ${JSON.stringify(id)} does not exist`);
    if (!vol.status?.primaryNode) throw csiError(Status.ABORTED, `source volume ${id} has no node yet: retry`);
    node = vol.status.primaryNode;
    pool = vol.spec.pool;
    bytes = vol.status.capacity ? parseQuantity(vol.status.capacity) : parseQuantity(vol.spec.size);
    what = `volume ${id}`;
    specSource = { volume: id };
    if (vol.spec.volumeMode !== want.spec.volumeMode)
      throw invalid(`source ${what} is a ${vol.spec.volumeMode} volume; the clone asks for ${want.spec.volumeMode}`);
  } else {
    throw invalid('volume_content_source names neither a snapshot nor a volume');
  }
  const poolObj = await get<StoragePool>(STORAGE_POOLS, pool);
  const problem = poolProblem(poolObj, `source ${what}`, pool);
  if (problem) throw csiError(Status.FAILED_PRECONDITION, problem);
  if (want.spec.pool !== pool)
    throw invalid(`source ${what} is in pool ${pool}, the request asks for pool ${want.spec.pool}: a thin snapshot stays in its pool`);
  if (want.spec.replicas !== 1)
    throw invalid(
      `a volume made from ${what} has one replica (it shares blocks with its source on node ${node}); ${want.spec.replicas} asked for`,
    );
  if (want.sizeBytes < bytes)
    throw csiError(Status.OUT_OF_RANGE, `${formatBytes(want.sizeBytes)} asked for, smaller than source ${what} (${formatBytes(bytes)})`);
  if (requisiteNodes.length && !requisiteNodes.includes(node))
    throw csiError(
      Status.RESOURCE_EXHAUSTED,
      `source ${what} is on node ${node}, outside the requested topology (${requisiteNodes.join(', ')})`,
    );
  const onNode = poolObj!.status?.nodes?.find((n) => n.node === node);
  if (onNode?.ready && onNode.free && parseQuantity(onNode.free) === 0n)
    throw csiError(Status.RESOURCE_EXHAUSTED, `thin pool ${pool} on node ${node} has no unwritten space left for ${what}'s copy-on-write`);
  // checkPlacement then holds the size against the node's allocatable (the overcommit limit).
  return { ...want, spec: { ...want.spec, accessibility: { nodes: [node] }, source: specSource } };
}
