// The kinds the operator reads and writes, with what it needs to build their URLs.
import { API_GROUP_VERSION } from '../common/constants.ts';
import {
  localDiskDefinition,
  localVolumeDefinition,
  storagePoolDefinition,
  volumeReplicaDefinition,
  localVolumeSnapshotDefinition,
  type KindDefinition,
} from '../api/index.ts';
import type { ResourceType } from './runtime/kube/client.ts';

const stratum = (def: Pick<KindDefinition, 'kind' | 'plural'>): ResourceType => ({
  apiVersion: API_GROUP_VERSION,
  kind: def.kind,
  plural: def.plural,
  namespaced: false,
});

export const LOCAL_DISKS = stratum(localDiskDefinition);
export const STORAGE_POOLS = stratum(storagePoolDefinition);
export const LOCAL_VOLUMES = stratum(localVolumeDefinition);
export const VOLUME_REPLICAS = stratum(volumeReplicaDefinition);
export const LOCAL_VOLUME_SNAPSHOTS = stratum(localVolumeSnapshotDefinition);

export const PODS: ResourceType = { apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };
export const NODES: ResourceType = { apiVersion: 'v1', kind: 'Node', plural: 'nodes', namespaced: false };
export const PERSISTENT_VOLUMES: ResourceType = {
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  namespaced: false,
};
export const PERSISTENT_VOLUME_CLAIMS: ResourceType = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  namespaced: true,
};
export const STORAGE_CLASSES: ResourceType = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  plural: 'storageclasses',
  namespaced: false,
};
export const CSI_STORAGE_CAPACITIES: ResourceType = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'CSIStorageCapacity',
  plural: 'csistoragecapacities',
  namespaced: true,
};
