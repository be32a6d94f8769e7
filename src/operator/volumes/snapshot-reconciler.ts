// LocalVolumeSnapshot: a thin LVM snapshot on the node of its spec, made by that node's agent.
// The spec names node and pool itself (written by the CSI controller from the volume), so a
// snapshot is taken, reported and deleted without its volume — which may be gone. The finalizer
// holds until the agent confirms the snapshot LV is gone, so no LV outlives its object.
import { FINALIZER, FORCE_DELETE_ANNOTATION } from '../../common/constants.ts';
import { formatBytes } from '../../api/quantity.ts';
import type { LocalVolumeSnapshot, LocalVolumeSnapshotStatus, LocalVolumeSpec } from '../../api/index.ts';
import type { VolumeSource } from '../../agent-api/generated/stratum/agent/v1/VolumeSource.ts';
import { agentFailure, failureToThrow } from '../agents/agent-failure.ts';
import type { Informer } from '../runtime/kube/informer.ts';
import type { ReconcileContext, ReconcileResult } from '../runtime/controller.ts';
import { LOCAL_VOLUME_SNAPSHOTS } from '../resources.ts';
import { addFinalizer, findCondition, readyCondition, removeFinalizer, updateCondition, type ConditionInput } from '../runtime/status.ts';
import type { ClusterAccess } from '../cluster-access.ts';

export interface SnapshotReconcilerDeps extends ClusterAccess {
  readonly snapshots: Informer<LocalVolumeSnapshot>;
}

/** The agent's CreateVolume source for a LocalVolume's spec.source (agent ids are the object names). */
export function agentVolumeSource(source: LocalVolumeSpec['source']): VolumeSource | undefined {
  if (source?.snapshot) return { snapshotId: source.snapshot };
  if (source?.volume) return { volumeId: source.volume };
  return undefined;
}

export function snapshotReconciler(deps: SnapshotReconcilerDeps) {
  const where = (s: LocalVolumeSnapshot) => `node ${s.spec.node}, pool ${s.spec.pool}`;

  async function writeStatus(s: LocalVolumeSnapshot, fields: Partial<LocalVolumeSnapshotStatus>, ready: ConditionInput): Promise<void> {
    await updateCondition(deps.client, LOCAL_VOLUME_SNAPSHOTS, s, ready, fields);
    if (ready.status === 'True' && !s.status?.readyToUse)
      await deps.events.record(s, { type: 'Normal', reason: 'SnapshotReady', message: ready.message });
  }

  async function remove(s: LocalVolumeSnapshot, ctx: ReconcileContext): Promise<ReconcileResult> {
    const forced = s.metadata.annotations?.[FORCE_DELETE_ANNOTATION] === 'true';
    try {
      await deps.registry.call(s.spec.node, 'DeleteSnapshot', { snapshotId: s.metadata.name! });
    } catch (err) {
      const f = agentFailure(err, where(s));
      if (!forced) {
        const hint = `To give up on it, annotate the LocalVolumeSnapshot with ${FORCE_DELETE_ANNOTATION}=true`;
        await writeStatus(
          s,
          {},
          readyCondition(false, f.reason, `cannot confirm the snapshot is gone: ${f.message}. ${hint}`, s.metadata.generation),
        );
        throw failureToThrow(f, err);
      }
      const message = `released without the agent's confirmation (${FORCE_DELETE_ANNOTATION}); snapshot ${s.metadata.name} may remain on node ${s.spec.node}: ${f.message}`;
      await deps.events.record(s, { type: 'Warning', reason: 'ForcedDelete', message });
    }
    await removeFinalizer(deps.client, LOCAL_VOLUME_SNAPSHOTS, s, FINALIZER);
    ctx.log.info({ snapshot: s.metadata.name, volume: s.spec.volume, node: s.spec.node, forced }, 'snapshot removed');
  }

  return async function reconcile(name: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const s = deps.snapshots.get(name);
    if (!s) return;
    if (s.metadata.deletionTimestamp) return remove(s, ctx);
    if (await addFinalizer(deps.client, LOCAL_VOLUME_SNAPSHOTS, s, FINALIZER)) return;
    // Taken once: a snapshot never changes, so a ready one costs no agent call.
    if (s.status?.readyToUse && findCondition(s.status.conditions, 'Ready')?.status === 'True') return;
    try {
      const res = await deps.registry.call(s.spec.node, 'CreateSnapshot', { snapshotId: name, volumeId: s.spec.volume });
      const size = formatBytes(res.snapshot!.sizeBytes);
      await writeStatus(
        s,
        { readyToUse: true, restoreSize: size, creationTime: s.status?.creationTime ?? new Date().toISOString() },
        readyCondition(true, 'Ready', `snapshot of volume ${s.spec.volume} (${size}) on node ${s.spec.node}`, s.metadata.generation),
      );
      if (res.created) ctx.log.info({ snapshot: name, volume: s.spec.volume, node: s.spec.node, size }, 'snapshot taken');
    } catch (err) {
      const f = agentFailure(err, where(s));
      await writeStatus(s, { readyToUse: false }, readyCondition(false, f.reason, f.message, s.metadata.generation));
      throw failureToThrow(f, err);
    }
  };
}
