// LocalVolumeSnapshot: a point-in-time, copy-on-write snapshot of a LocalVolume, kept as a thin
// LVM snapshot on the node that held the volume. Its own kind (not a list in the volume's status)
// because it lives on after its volume is deleted, holds a finalizer of its own until the agent
// has removed the LV, and is what a VolumeSnapshotContent points at. The CSI controller writes
// it; the operator makes it real.
import type { FromSchema } from 'json-schema-to-ts';
import { defineKind, READY_REASON, type StratumObject } from './definition.ts';
import { immutable, nodeName, poolName, reportedQuantity, statusSchema } from './schema-parts.ts';

const spec = {
  type: 'object',
  description: 'What was snapshotted and where it lives; fixed at creation, so deletion never depends on the volume.',
  required: ['volume', 'node', 'pool'],
  additionalProperties: false,
  properties: {
    volume: {
      type: 'string',
      maxLength: 63,
      description: 'The LocalVolume the snapshot was taken of (it may since be gone).',
      'x-kubernetes-validations': [immutable('spec.volume', 'a snapshot is of one volume')],
    },
    node: {
      ...nodeName("Node that holds the snapshot: the volume's node when it was taken."),
      'x-kubernetes-validations': [immutable('spec.node', 'the snapshot shares blocks with the volume on that node')],
    },
    pool: {
      ...poolName('Thin StoragePool that holds the snapshot.'),
      'x-kubernetes-validations': [immutable('spec.pool', "the snapshot lives in its volume's thin pool")],
    },
  },
} as const;

const status = statusSchema({
  readyToUse: { type: 'boolean', description: 'The snapshot exists on its node and can be restored.' },
  restoreSize: reportedQuantity('Size of the volume when the snapshot was taken: the least a restore needs.'),
  creationTime: { type: 'string', format: 'date-time', description: 'When the snapshot was taken.' },
});

export const localVolumeSnapshotDefinition = defineKind({
  kind: 'LocalVolumeSnapshot',
  shortNames: ['lvsnap'],
  description: 'A copy-on-write snapshot of a LocalVolume on a thin LVM pool.',
  spec,
  status,
  objectValidations: [
    {
      rule: "self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$') && !self.metadata.name.startsWith('snapshot')",
      message:
        'a LocalVolumeSnapshot name is a DNS label of at most 63 characters not starting with "snapshot" (LVM reserves it): it names the logical volume',
    },
  ],
  selectableFields: ['.spec.volume'],
  columns: {
    Volume: '.spec.volume',
    Node: '.spec.node',
    Size: '.status.restoreSize',
    Ready: '.status.readyToUse',
    Reason: READY_REASON,
  },
});

export type LocalVolumeSnapshotSpec = FromSchema<typeof spec>;
export type LocalVolumeSnapshotStatus = FromSchema<typeof status>;
export type LocalVolumeSnapshot = StratumObject<LocalVolumeSnapshotSpec, LocalVolumeSnapshotStatus>;
