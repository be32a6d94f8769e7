// The CSIDriver, a StorageClass per configured pool, and the StoragePools themselves.
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { API_GROUP_VERSION, CSI_DRIVER_NAME, STORAGE_CLASS_PARAMETERS } from '../common/constants.ts';
import { storagePoolDefinition, type StoragePoolSpec } from '../api/index.ts';
import type { PoolConfig, ResolvedConfig } from './config.ts';
import { PART_OF, WAVE, syncWave } from './labels.ts';

export { STORAGE_CLASS_PARAMETERS };

export const storageClassName = (pool: PoolConfig) => pool.storageClassName ?? `stratum-${pool.name}`;

export function createCsiDriver(scope: Construct): void {
  new kplus.k8s.KubeCsiDriver(scope, 'csidriver', {
    metadata: { name: CSI_DRIVER_NAME, labels: { ...PART_OF } },
    spec: {
      attachRequired: false,
      storageCapacity: true,
      podInfoOnMount: true,
      fsGroupPolicy: 'File',
      volumeLifecycleModes: ['Persistent'],
    },
  });
}

export function createStorageClasses(scope: Construct, config: ResolvedConfig): void {
  for (const pool of config.pools) {
    new kplus.k8s.KubeStorageClass(scope, `storageclass-${pool.name}`, {
      metadata: {
        name: storageClassName(pool),
        labels: { ...PART_OF },
        ...(pool.defaultClass ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}),
      },
      provisioner: CSI_DRIVER_NAME,
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
      reclaimPolicy: 'Delete',
      parameters: {
        [STORAGE_CLASS_PARAMETERS.pool]: pool.name,
        [STORAGE_CLASS_PARAMETERS.replicas]: String(pool.replicas ?? config.defaultReplicas),
        [STORAGE_CLASS_PARAMETERS.fsType]: pool.fsType,
      },
    });
  }
}

/** StoragePool objects need the CRDs, so they come in a later sync wave (and a later file). */
export function createStoragePools(scope: Construct, config: ResolvedConfig): void {
  for (const pool of config.pools) {
    const spec: StoragePoolSpec = { mediaClass: pool.mediaClass, backend: pool.backend, thin: pool.thin };
    if (Object.keys(pool.nodeSelector).length) spec.nodeSelector = { matchLabels: { ...pool.nodeSelector } };
    new ApiObject(scope, `pool-${pool.name}`, {
      apiVersion: API_GROUP_VERSION,
      kind: storagePoolDefinition.kind,
      metadata: { name: pool.name, labels: { ...PART_OF }, annotations: syncWave(WAVE.customResources) },
      spec,
    });
  }
}
