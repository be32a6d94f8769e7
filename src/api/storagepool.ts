// StoragePool: a declarative pool of disks on a set of nodes. The operator forms it on every
// selected node and reports per-node capacity, which it also publishes as CSIStorageCapacity.
import type { FromSchema } from 'json-schema-to-ts';
import { CSI_DRIVER_NAME, STORAGE_CLASS_PARAMETERS as SC } from '../common/constants.ts';
import { defineKind, READY_REASON, type StratumObject } from './definition.ts';
import {
  MEDIA_CLASSES,
  immutable,
  labelSelector,
  mediaClass,
  nodeName,
  positiveQuantity,
  reportedQuantity,
  statusSchema,
} from './schema-parts.ts';

export const POOL_BACKENDS = ['lvm', 'disk'] as const;

const spec = {
  type: 'object',
  description: 'Which disks on which nodes form the pool, and how volumes are cut from it.',
  required: ['mediaClass'],
  additionalProperties: false,
  properties: {
    mediaClass: mediaClass('Media class of the pool; only disks of this class join it unless diskSelector.mediaClasses says otherwise.'),
    backend: {
      type: 'string',
      enum: POOL_BACKENDS,
      default: 'lvm',
      description: 'lvm: one LVM volume group per node, volumes are logical volumes. disk: whole disks are handed out as volumes.',
      'x-kubernetes-validations': [immutable('spec.backend', "the pool's disks already hold volumes of this backend")],
    },
    thin: {
      type: 'boolean',
      default: false,
      description: 'Thin-provisioned logical volumes (lvm backend only; needs device-mapper thin support on the node).',
      'x-kubernetes-validations': [immutable('spec.thin', 'existing volumes were created thick or thin')],
    },
    thinOvercommitPercent: {
      type: 'integer',
      minimum: 100,
      maximum: 10000,
      description:
        "Thin pools only: the volumes' sizes may add up to this percentage of the thin pool on each node; unset means 100 (no overcommit). A volume past it is refused with InsufficientCapacity, never created.",
    },
    nodeSelector: labelSelector('Nodes the pool is formed on. Empty selects every node that runs the agent.'),
    diskSelector: {
      type: 'object',
      description: "Which of a node's available disks join the pool. Disks with partitions, filesystems or mounts never join.",
      additionalProperties: false,
      properties: {
        mediaClasses: {
          type: 'array',
          description: 'Media classes accepted; defaults to spec.mediaClass.',
          items: { type: 'string', enum: MEDIA_CLASSES },
          maxItems: 3,
        },
        minSize: positiveQuantity('Smallest disk accepted.'),
        maxSize: positiveQuantity('Largest disk accepted.'),
        byIdPattern: {
          type: 'string',
          maxLength: 256,
          description: 'Glob over the disk\'s /dev/disk/by-id name (e.g. "nvme-Samsung*"), or over its backing file for loop devices.',
        },
      },
      'x-kubernetes-validations': [
        {
          rule: '!has(self.minSize) || !has(self.maxSize) || quantity(self.minSize).compareTo(quantity(self.maxSize)) <= 0',
          message: 'spec.diskSelector.minSize must not be larger than maxSize',
        },
      ],
    },
  },
} as const;

const nodeCapacity = {
  type: 'object',
  required: ['node'],
  additionalProperties: false,
  properties: {
    node: nodeName('Node name.'),
    ready: { type: 'boolean', description: 'The pool is formed and usable on this node.' },
    message: { type: 'string', description: 'Why the pool is not ready on this node.' },
    disks: { type: 'integer', minimum: 0, description: 'Disks of the pool on this node.' },
    total: reportedQuantity('Total capacity on this node.'),
    free: reportedQuantity('Free capacity on this node.'),
    allocatable: reportedQuantity('Largest volume that can be created on this node now.'),
  },
} as const;

const status = statusSchema({
  nodes: {
    type: 'array',
    description: 'Capacity per node.',
    items: nodeCapacity,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['node'],
  },
  nodeCount: { type: 'integer', minimum: 0, description: 'Nodes the pool is ready on.' },
  diskCount: { type: 'integer', minimum: 0, description: 'Disks in the pool over all nodes.' },
  total: reportedQuantity('Total capacity over all nodes.'),
  free: reportedQuantity('Free capacity over all nodes.'),
});

export const storagePoolDefinition = defineKind({
  kind: 'StoragePool',
  shortNames: ['sp'],
  description:
    `A pool of node-local disks from which Stratum serves volumes. PVCs reach it through a StorageClass with provisioner ${CSI_DRIVER_NAME} and parameters.${SC.pool} set to the pool's name ` +
    `(optional: ${SC.replicas}, ${SC.fsType}); \`npm run synth\` writes one per pool of stratum.config.yaml, a pool applied by hand needs its own.`,
  spec,
  status,
  specValidations: [{ rule: "!self.thin || self.backend == 'lvm'", message: 'spec.thin requires backend lvm' }],
  columns: {
    Media: '.spec.mediaClass',
    Backend: '.spec.backend',
    Nodes: '.status.nodeCount',
    Disks: '.status.diskCount',
    Total: '.status.total',
    Free: '.status.free',
    Ready: { path: '.status.conditions[?(@.type=="Ready")].status', type: 'string', description: 'Ready condition.' },
    Reason: READY_REASON,
  },
});

export type StoragePoolSpec = FromSchema<typeof spec>;
export type StoragePoolStatus = FromSchema<typeof status>;
export type StoragePool = StratumObject<StoragePoolSpec, StoragePoolStatus>;
