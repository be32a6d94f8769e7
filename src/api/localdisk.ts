// LocalDisk: one per disk an agent discovered. Written by the operator; a user may reserve a disk
// or override its detected media class.
import type { FromSchema } from 'json-schema-to-ts';
import { defineKind, READY_REASON, type StratumObject } from './definition.ts';
import { immutable, mediaClass, nodeName, poolName, reportedQuantity, statusSchema } from './schema-parts.ts';

export const DISK_STATES = ['Available', 'InUse', 'Unhealthy', 'Missing'] as const;

const spec = {
  type: 'object',
  description: 'What the user may decide about the disk. Everything the agent detects is in status.',
  required: ['nodeName'],
  additionalProperties: false,
  properties: {
    nodeName: {
      ...nodeName('Node the disk is attached to.'),
      'x-kubernetes-validations': [immutable('spec.nodeName', 'a disk moved to another node is a new LocalDisk')],
    },
    reserved: { type: 'boolean', default: false, description: 'Keep Stratum from ever using this disk, even when a pool selects it.' },
    mediaClass: mediaClass('Overrides the detected media class (e.g. an SSD behind a RAID controller that reports itself rotational).'),
  },
} as const;

const status = statusSchema({
  identity: {
    type: 'object',
    description: 'How the disk is recognised across reboots and renames; never the sdX name.',
    additionalProperties: false,
    properties: {
      id: { type: 'string', description: 'The stable id the object name is derived from.' },
      wwn: { type: 'string', description: 'World Wide Name, when the disk reports one.' },
      serial: { type: 'string', description: 'Serial number, when the disk reports one.' },
      byIdPath: { type: 'string', description: 'A /dev/disk/by-id link to the disk.' },
      backingFile: { type: 'string', description: 'For loop devices: the file behind the device.' },
    },
  },
  devicePath: { type: 'string', description: 'Current kernel device path, e.g. /dev/sdb. It may change on reboot.' },
  capacity: reportedQuantity('Size of the disk.'),
  detectedMediaClass: mediaClass('Media class the agent detected: hdd when rotational, nvme by transport, ssd otherwise.'),
  mediaClass: mediaClass('Media class in effect: spec.mediaClass when set, else the detected one.'),
  state: {
    type: 'string',
    enum: DISK_STATES,
    description: 'Available (free for a pool), InUse (by a pool or by something else), Unhealthy, or Missing (no longer seen on the node).',
  },
  inUseBy: { type: 'string', description: 'What holds the disk when it is InUse: a pool, a filesystem, partitions, a mount or a holder.' },
  health: { type: 'string', enum: ['Healthy', 'Warning', 'Failing', 'Unknown'], description: 'Health as the agent reports it.' },
  pool: poolName('StoragePool the disk belongs to, if any.'),
  lastSeen: { type: 'string', format: 'date-time', description: 'When the agent last reported the disk.' },
});

export const localDiskDefinition = defineKind({
  kind: 'LocalDisk',
  shortNames: ['ld'],
  description: 'A disk inside a node, as discovered by the Stratum agent on that node.',
  spec,
  status,
  selectableFields: ['.spec.nodeName'],
  columns: {
    Node: '.spec.nodeName',
    Media: '.status.mediaClass',
    Capacity: '.status.capacity',
    State: '.status.state',
    Pool: '.status.pool',
    Reason: READY_REASON,
    Device: { path: '.status.devicePath', wide: true },
  },
});

export type LocalDiskSpec = FromSchema<typeof spec>;
export type LocalDiskStatus = FromSchema<typeof status>;
export type LocalDisk = StratumObject<LocalDiskSpec, LocalDiskStatus>;
