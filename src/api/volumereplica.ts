// VolumeReplica: one copy of a LocalVolume's data on one node. Owned by its LocalVolume; written
// by the operator. Its finalizer holds until the agent confirms the data is gone.
import type { FromSchema } from 'json-schema-to-ts';
import { defineKind, READY_REASON, type StratumObject } from './definition.ts';
import { REPLICA_ROLES } from './localvolume.ts';
import { growOnly, immutable, nodeName, poolName, positiveQuantity, reportedQuantity, statusSchema } from './schema-parts.ts';

// Lost: its node or its data is gone (node deleted, agent away past the grace period, LV or disk vanished).
export const REPLICA_STATES = ['Pending', 'Creating', 'Ready', 'Syncing', 'Expanding', 'Copying', 'Failed', 'Lost', 'Deleting'] as const;

const peer = {
  type: 'object',
  required: ['node', 'nodeId'],
  additionalProperties: false,
  properties: {
    node: nodeName('Peer node.'),
    nodeId: { type: 'integer', minimum: 0, maximum: 31, description: 'DRBD node id of the peer.' },
    address: { type: 'string', description: 'Replication address (ip:port) of the peer.' },
  },
} as const;

const spec = {
  type: 'object',
  required: ['volume', 'node', 'pool', 'size', 'role'],
  additionalProperties: false,
  properties: {
    volume: {
      type: 'string',
      maxLength: 253,
      description: 'The owning LocalVolume.',
      'x-kubernetes-validations': [immutable('spec.volume', 'a replica belongs to one volume')],
    },
    node: {
      ...nodeName('Node the replica lives on.'),
      'x-kubernetes-validations': [immutable('spec.node', 'moving data is an eviction, which makes a new replica')],
    },
    pool: {
      ...poolName('Pool the replica is cut from.'),
      'x-kubernetes-validations': [immutable('spec.pool', 'the data lives in this pool')],
    },
    size: positiveQuantity("Size of the replica; follows the volume's size.", growOnly('spec.size', 'a replica is never shrunk')),
    role: { type: 'string', enum: REPLICA_ROLES, description: 'primary serves I/O; secondary receives a copy.' },
    replication: {
      type: 'object',
      description: 'DRBD replication settings; absent for a single-replica volume.',
      additionalProperties: false,
      required: ['port', 'nodeId', 'minor'],
      properties: {
        port: { type: 'integer', minimum: 1024, maximum: 65535, description: 'DRBD port of the resource.' },
        minor: {
          type: 'integer',
          minimum: 1000,
          maximum: 1048575,
          description: 'Minor of the /dev/drbdN device, the same on every replica.',
        },
        nodeId: { type: 'integer', minimum: 0, maximum: 31, description: 'DRBD node id of this replica.' },
        protocol: { type: 'string', enum: ['C', 'A'], default: 'C', description: 'C (sync) or A (async).' },
        peers: { type: 'array', items: peer, maxItems: 2, description: 'The other replicas.' },
      },
    },
  },
} as const;

const status = statusSchema({
  state: { type: 'string', enum: REPLICA_STATES, description: 'What the replica is doing.' },
  devicePath: { type: 'string', description: 'Block device that serves the volume on its node (the DRBD device when replicated).' },
  backingDevicePath: { type: 'string', description: 'The logical volume or disk holding the data on its node.' },
  capacity: reportedQuantity('Actual size on the node.'),
  syncPercent: {
    type: 'integer',
    minimum: 0,
    maximum: 100,
    description: 'How much of the data the replica has: 100 when its disk is UpToDate, the resync progress while it is a sync target.',
  },
  role: {
    type: 'string',
    maxLength: 32,
    description: 'DRBD role on the node: Primary where a pod uses the volume, else Secondary (replicated volumes only).',
  },
  connection: {
    type: 'string',
    maxLength: 64,
    description: 'DRBD connection to the peers: Connected, or the state of the first peer that is not (Connecting, StandAlone, …).',
  },
  diskState: { type: 'string', maxLength: 32, description: 'DRBD disk state of this replica: UpToDate, Inconsistent, Outdated, …' },
  peers: {
    type: 'array',
    maxItems: 2,
    description: 'The DRBD peers as this replica sees them.',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['node'],
      properties: {
        node: { type: 'string', maxLength: 253, description: 'Peer host.' },
        connection: { type: 'string', maxLength: 32, description: 'Connection state.' },
        role: { type: 'string', maxLength: 32, description: 'Peer role.' },
        diskState: { type: 'string', maxLength: 32, description: 'Peer disk state.' },
        replication: { type: 'string', maxLength: 32, description: 'Replication state: Established, SyncSource, SyncTarget, …' },
      },
    },
  },
  lastError: { type: 'string', description: 'The last failure on the node: the command and its error output.' },
});

export const volumeReplicaDefinition = defineKind({
  kind: 'VolumeReplica',
  shortNames: ['vr'],
  description: "One copy of a LocalVolume's data on one node.",
  spec,
  status,
  selectableFields: ['.spec.node', '.spec.volume'],
  columns: {
    Volume: '.spec.volume',
    Node: '.spec.node',
    Role: '.spec.role',
    State: '.status.state',
    DRBD: '.status.role',
    Connection: '.status.connection',
    Disk: '.status.diskState',
    Sync: '.status.syncPercent',
    Reason: READY_REASON,
    Device: { path: '.status.devicePath', wide: true },
  },
});

export type VolumeReplicaSpec = FromSchema<typeof spec>;
export type VolumeReplicaStatus = FromSchema<typeof status>;
export type VolumeReplica = StratumObject<VolumeReplicaSpec, VolumeReplicaStatus>;
