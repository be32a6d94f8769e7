// LocalVolume: one per PersistentVolume. The user's levers are size, replicas and evictNodes;
// placement is status (and the VolumeReplica objects), never spec.
import type { FromSchema } from 'json-schema-to-ts';
import { defineKind, READY_REASON, type StratumObject } from './definition.ts';
import { growOnly, immutable, nodeName, poolName, positiveQuantity, reportedQuantity, statusSchema } from './schema-parts.ts';

// Lost: no replica holds reachable data (its node is gone or away past the grace period, or its LV vanished).
export const VOLUME_PHASES = ['Pending', 'Creating', 'Ready', 'Degraded', 'Lost', 'Expanding', 'Migrating', 'Deleting'] as const;
export const REPLICA_ROLES = ['primary', 'secondary'] as const;
export const MAX_REPLICAS = 3;
/** The filesystems Stratum formats and grows; one list for the CRD, the CSI driver and the agent. */
export const FS_TYPES = ['ext4', 'xfs'] as const;
export type FsType = (typeof FS_TYPES)[number];
export const DEFAULT_FS_TYPE: FsType = 'ext4';
/** The smallest device each filesystem can be made on: mkfs.xfs refuses a data device under 300 MiB. */
export const FS_MINIMUM_BYTES: Readonly<Record<FsType, bigint>> = { ext4: 0n, xfs: 300n << 20n };

const spec = {
  type: 'object',
  description: 'The volume the user asked for.',
  required: ['pool', 'size'],
  additionalProperties: false,
  properties: {
    pool: {
      ...poolName('StoragePool the volume (and its primary replica) comes from.'),
      'x-kubernetes-validations': [immutable('spec.pool', 'create a new volume in the other pool and copy the data')],
    },
    size: positiveQuantity(
      'Requested size. It may grow (the volume and its filesystem grow online) but never shrink.',
      growOnly('spec.size', 'shrinking a volume would destroy data'),
    ),
    replicas: {
      type: 'integer',
      default: 1,
      minimum: 1,
      maximum: 3,
      description: 'Copies of the data, each on another node (1 to 3). More than one replicates with DRBD.',
      'x-kubernetes-validations': [{ rule: 'self >= 1 && self <= 3', message: 'spec.replicas must be 1, 2 or 3' }],
    },
    volumeMode: {
      type: 'string',
      enum: ['Filesystem', 'Block'],
      default: 'Filesystem',
      description: 'Filesystem: formatted and mounted. Block: handed to the pod as a raw block device.',
      'x-kubernetes-validations': [immutable('spec.volumeMode', 'the data on the volume is laid out for it')],
    },
    fsType: {
      type: 'string',
      enum: FS_TYPES,
      default: DEFAULT_FS_TYPE,
      description: 'Filesystem made on first use (volumeMode Filesystem only).',
      'x-kubernetes-validations': [immutable('spec.fsType', 'the volume is already formatted')],
    },
    accessibility: {
      type: 'object',
      description: 'Nodes the volume must live on: the node the CSI request selected, or nodes a user pins. Immutable.',
      additionalProperties: false,
      required: ['nodes'],
      properties: {
        nodes: {
          type: 'array',
          items: nodeName('Node name.'),
          minItems: 1,
          maxItems: 3,
          'x-kubernetes-list-type': 'set',
          description: 'Preferred nodes, the first for the primary replica.',
        },
      },
    },
    evictNodes: {
      type: 'array',
      items: nodeName('Node name.'),
      maxItems: 16,
      'x-kubernetes-list-type': 'set',
      description: "Nodes to move this volume's replicas off. The data is copied and verified before the old replica is removed.",
    },
    pvcRef: {
      type: 'object',
      description: 'The PersistentVolumeClaim the volume was provisioned for.',
      additionalProperties: false,
      required: ['namespace', 'name'],
      properties: {
        namespace: { type: 'string', description: 'Namespace of the claim.', maxLength: 63 },
        name: { type: 'string', description: 'Name of the claim.', maxLength: 253 },
      },
    },
    replicaPool: poolName('StoragePool for secondary replicas, e.g. an HDD pool backing an NVMe primary. Defaults to spec.pool.'),
    source: {
      type: 'object',
      description:
        'Data the volume starts with: a LocalVolumeSnapshot (a restore) or another LocalVolume (a clone), on the same node and thin pool. Immutable.',
      additionalProperties: false,
      properties: {
        snapshot: { type: 'string', maxLength: 63, description: 'LocalVolumeSnapshot to restore.' },
        volume: { type: 'string', maxLength: 63, description: 'LocalVolume to clone.' },
      },
      'x-kubernetes-validations': [
        { rule: 'has(self.snapshot) != has(self.volume)', message: 'spec.source names exactly one of snapshot and volume' },
      ],
    },
    consistency: {
      type: 'string',
      enum: ['sync', 'async'],
      default: 'sync',
      description: 'sync: a write completes when every replica has it (DRBD protocol C). async: when the local disk has it (protocol A).',
    },
  },
} as const;

const replicaPlacement = {
  type: 'object',
  required: ['name', 'node'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: 'The VolumeReplica object.' },
    node: nodeName('Node the replica lives on.'),
    pool: poolName('Pool the replica is cut from.'),
    role: { type: 'string', enum: REPLICA_ROLES, description: 'primary serves I/O; secondary receives a copy.' },
    state: { type: 'string', description: "The replica's state (see VolumeReplica status)." },
    syncPercent: { type: 'integer', minimum: 0, maximum: 100, description: 'How much of the data the replica has.' },
  },
} as const;

const status = statusSchema({
  phase: { type: 'string', enum: VOLUME_PHASES, description: 'Where the volume is in its life; conditions say why.' },
  capacity: reportedQuantity('Actual size of the volume, at least spec.size once expanded.'),
  primaryNode: nodeName('Node serving the volume.'),
  filesystem: {
    type: 'object',
    description:
      "The filesystem on the volume while a node has it mounted for a pod, as that node's agent last reported it (every volume scan, each minute by default). Absent while nothing mounts it, and for block volumes.",
    additionalProperties: false,
    required: ['type', 'capacity', 'node'],
    properties: {
      type: { type: 'string', maxLength: 32, description: 'ext4, xfs, …' },
      capacity: reportedQuantity('Size of the filesystem as df reports it: a little under the volume, its own metadata aside.'),
      node: nodeName('Node that has it mounted.'),
    },
  },
  replicas: { type: 'array', description: 'Where each replica is.', items: replicaPlacement, maxItems: 6 },
  migration: {
    type: 'object',
    description: 'An eviction in progress.',
    additionalProperties: false,
    properties: {
      from: nodeName('Node being left.'),
      to: nodeName('Node receiving the data.'),
      copiedBytes: { type: 'integer', format: 'int64', minimum: 0, description: 'Bytes copied so far.' },
      totalBytes: { type: 'integer', format: 'int64', minimum: 0, description: 'Bytes to copy.' },
      sha256: { type: 'string', description: 'Checksum of the copied data, once verified.' },
      message: { type: 'string', description: 'Progress or the reason it stopped.' },
    },
  },
});

export const localVolumeDefinition = defineKind({
  kind: 'LocalVolume',
  shortNames: ['lv'],
  description: 'A volume served from node-local disks, optionally replicated to other nodes.',
  spec,
  status,
  objectValidations: [
    {
      rule: "self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
      message: 'a LocalVolume name is a DNS label of at most 63 characters: it names the logical volume on every node',
    },
  ],
  specValidations: [
    {
      rule: 'has(self.accessibility) == has(oldSelf.accessibility) && (!has(self.accessibility) || self.accessibility == oldSelf.accessibility)',
      message: 'spec.accessibility is immutable: use spec.evictNodes to move the volume',
    },
    {
      rule: 'has(self.source) == has(oldSelf.source) && (!has(self.source) || self.source == oldSelf.source)',
      message: 'spec.source is immutable: the volume was made from it',
    },
  ],
  columns: {
    Pool: '.spec.pool',
    Size: '.spec.size',
    Capacity: '.status.capacity',
    Filesystem: '.status.filesystem.capacity',
    Replicas: '.spec.replicas',
    Node: '.status.primaryNode',
    Phase: '.status.phase',
    Reason: READY_REASON,
    Claim: { path: '.spec.pvcRef.name', wide: true },
  },
});

export type LocalVolumeSpec = FromSchema<typeof spec>;
export type LocalVolumeStatus = FromSchema<typeof status>;
export type LocalVolume = StratumObject<LocalVolumeSpec, LocalVolumeStatus>;
