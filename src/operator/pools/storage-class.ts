// A StoragePool applied after install gets a StorageClass, so a PVC can use it without a second
// manifest: `stratum-<pool>`, owned by the pool (deleting the pool lets the garbage collector take
// the class). Nothing is made when a Stratum StorageClass for the pool already exists (the chart's
// classes for configured pools, or one a person wrote), nor when the pool opts out with the
// annotation NO_STORAGE_CLASS_ANNOTATION: "true".
import { API_GROUP, CSI_DRIVER_NAME, MANAGED_BY_OPERATOR, STORAGE_CLASS_PARAMETERS } from '../../common/constants.ts';
import type { StoragePool } from '../../api/index.ts';
import { isConflict, resourcePath, type KubeClient } from '../runtime/kube/client.ts';
import type { Informer } from '../runtime/kube/informer.ts';
import type { ReconcileResult } from '../runtime/controller.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { STORAGE_CLASSES } from '../resources.ts';
import { classesOfPool, type StorageClass } from './capacity.ts';

export const NO_STORAGE_CLASS_ANNOTATION = `${API_GROUP}/no-storage-class`;

export const poolStorageClassName = (pool: string) => `stratum-${pool}`;

export interface PoolStorageClassDeps {
  readonly client: KubeClient;
  readonly pools: Informer<StoragePool>;
  readonly storageClasses: Informer<StorageClass>;
  readonly events: EventRecorder;
}

/** The class made for `pool`: single replica and ext4, the CSI controller's own defaults. */
export function desiredStorageClass(pool: StoragePool): StorageClass & Record<string, unknown> {
  const name = pool.metadata.name!;
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: poolStorageClassName(name),
      labels: { ...MANAGED_BY_OPERATOR, [`${API_GROUP}/pool`]: name },
      ownerReferences: [{ apiVersion: pool.apiVersion!, kind: pool.kind!, name, uid: pool.metadata.uid!, blockOwnerDeletion: false }],
    },
    provisioner: CSI_DRIVER_NAME,
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
    reclaimPolicy: 'Delete',
    parameters: { [STORAGE_CLASS_PARAMETERS.pool]: name },
  };
}

export function poolStorageClassReconciler(deps: PoolStorageClassDeps) {
  return async function reconcile(name: string): Promise<ReconcileResult> {
    const pool = deps.pools.get(name);
    if (!pool || pool.metadata.deletionTimestamp) return;
    if (pool.metadata.annotations?.[NO_STORAGE_CLASS_ANNOTATION] === 'true') return;
    if (classesOfPool(deps.storageClasses.list(), name).length) return;
    const wanted = desiredStorageClass(pool);
    const taken = deps.storageClasses.get(wanted.metadata.name!);
    if (taken) {
      await deps.events.record(pool, {
        type: 'Warning',
        reason: 'StorageClassNameTaken',
        message: `StorageClass ${wanted.metadata.name} exists but does not draw from this pool (provisioner ${taken.provisioner}, pool ${taken.parameters?.pool ?? 'unset'}); write a StorageClass with provisioner ${CSI_DRIVER_NAME} and parameter pool: ${name}, or annotate the pool ${NO_STORAGE_CLASS_ANNOTATION}: "true"`,
      });
      return;
    }
    try {
      await deps.client.request('POST', resourcePath(STORAGE_CLASSES), { body: wanted });
    } catch (err) {
      // The cache lags a create of our own: the next event for the class settles it.
      if (isConflict(err)) return;
      throw err;
    }
    await deps.events.record(pool, {
      type: 'Normal',
      reason: 'StorageClassCreated',
      message: `created StorageClass ${wanted.metadata.name} for this pool`,
    });
  };
}
