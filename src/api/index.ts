// The Stratum API: one definition per kind, the source of both the CRDs and the TypeScript types.
import type { KindDefinition } from './definition.ts';
import { localDiskDefinition } from './localdisk.ts';
import { localVolumeDefinition } from './localvolume.ts';
import { storagePoolDefinition } from './storagepool.ts';
import { volumeReplicaDefinition } from './volumereplica.ts';
import { localVolumeSnapshotDefinition } from './localvolumesnapshot.ts';

export * from './definition.ts';
export * from './crd.ts';
export * from './localdisk.ts';
export * from './storagepool.ts';
export * from './localvolume.ts';
export * from './volumereplica.ts';
export * from './localvolumesnapshot.ts';
export { MEDIA_CLASSES } from './schema-parts.ts';

export const KIND_DEFINITIONS: readonly KindDefinition[] = [
  localDiskDefinition,
  storagePoolDefinition,
  localVolumeDefinition,
  volumeReplicaDefinition,
  localVolumeSnapshotDefinition,
];
