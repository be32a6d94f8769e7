// Snapshot names and CreateVolume with a content source: the request pinned to the source's node
// and pool, and every refusal with the CSI-specified code, before anything is written.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { status as Status } from '@grpc/grpc-js';
import { refusal } from '../helpers/csi-refusal.ts';
import type { StoragePool } from '../../src/api/index.ts';
import type { ResourceType } from '../../src/operator/runtime/kube/client.ts';
import { snapshotName, withContentSource } from '../../src/operator/csi/snapshots.ts';
import type { CsiVolumeRequest } from '../../src/operator/csi/volume-request.ts';

const GiB = 1024n ** 3n;
const pool = (name: string, thin: boolean, free = '10Gi', backend: 'lvm' | 'disk' = 'lvm'): StoragePool =>
  ({
    metadata: { name },
    spec: { backend, thin },
    status: { nodes: [{ node: 'node-a', ready: true, free, allocatable: '20Gi' }] },
  }) as unknown as StoragePool;
const objects: Record<string, unknown> = {
  'storagepools/thin': pool('thin', true),
  'storagepools/thick': pool('thick', false),
  'storagepools/full': pool('full', true, '0'),
  'localvolumesnapshots/snap-1': {
    metadata: { name: 'snap-1' },
    spec: { volume: 'pvc-src', node: 'node-a', pool: 'thin' },
    status: { readyToUse: true, restoreSize: '2Gi' },
  },
  'localvolumesnapshots/snap-pending': { metadata: { name: 'snap-pending' }, spec: { volume: 'pvc-src', node: 'node-a', pool: 'thin' } },
  'localvolumes/pvc-src': {
    metadata: { name: 'pvc-src' },
    spec: { pool: 'thin', size: '2Gi', volumeMode: 'Filesystem' },
    status: { primaryNode: 'node-a', capacity: '2Gi' },
  },
  'localvolumes/pvc-thick': {
    metadata: { name: 'pvc-thick' },
    spec: { pool: 'thick', size: '1Gi', volumeMode: 'Filesystem' },
    status: { primaryNode: 'node-a' },
  },
  'localvolumesnapshots/snap-full': {
    metadata: { name: 'snap-full' },
    spec: { volume: 'x', node: 'node-a', pool: 'full' },
    status: { readyToUse: true },
  },
};
const get = async <T>(rt: ResourceType, name: string) => objects[`${rt.plural}/${name}`] as T | undefined;

const want = (over: Partial<CsiVolumeRequest['spec']> = {}, sizeBytes = 4n * GiB): CsiVolumeRequest => ({
  name: 'pvc-new',
  csiName: 'pvc-new',
  sizeBytes,
  spec: { pool: 'thin', size: '4Gi', replicas: 1, volumeMode: 'Filesystem', fsType: 'ext4', consistency: 'sync', ...over },
});

test('snapshot names: csi-snapshotter names keep their uuid, anything else is hashed; always snap-, never LVM-reserved', () => {
  assert.is(snapshotName('snapshot-0b7f2c3e-1111-2222-3333-444455556666'), 'snap-0b7f2c3e-1111-2222-3333-444455556666');
  assert.match(snapshotName('Sanity Snapshot'), /^snap-[0-9a-f]{40}$/);
  assert.is(snapshotName('pvc-1'), snapshotName('pvc-1'), 'stable');
  assert.is.not(snapshotName('pvc-1'), 'pvc-1', 'never a volume-like name');
});

test('restore: pinned to the snapshot node, source recorded', async () => {
  const r = await withContentSource(want(), { type: 'snapshot', snapshot: { snapshotId: 'snap-1' } }, [], get);
  assert.equal(r.spec.accessibility, { nodes: ['node-a'] });
  assert.equal(r.spec.source, { snapshot: 'snap-1' });
});

test('clone: pinned to the source volume node, source recorded', async () => {
  const r = await withContentSource(want(), { type: 'volume', volume: { volumeId: 'pvc-src' } }, ['node-a', 'node-b'], get);
  assert.equal(r.spec.accessibility, { nodes: ['node-a'] });
  assert.equal(r.spec.source, { volume: 'pvc-src' });
});

test('refusals', async () => {
  const snap = (id: string) => ({ type: 'snapshot' as const, snapshot: { snapshotId: id } });
  const vol = (id: string) => ({ type: 'volume' as const, volume: { volumeId: id } });
  await refusal(withContentSource(want(), snap('snap-none'), [], get), Status.NOT_FOUND, /source snapshot "snap-none" does not exist/);
  await refusal(withContentSource(want(), vol('pvc-none'), [], get), Status.NOT_FOUND, /source volume "pvc-none" does not exist/);
  await refusal(withContentSource(want(), snap('snap-pending'), [], get), Status.ABORTED, /not ready to use yet/);
  await refusal(
    withContentSource(want({ pool: 'thick' }), vol('pvc-thick'), [], get),
    Status.FAILED_PRECONDITION,
    /a thick LVM pool: snapshots, restores and clones need a thin LVM pool \(StoragePool spec.thin: true\)/,
  );
  await refusal(
    withContentSource(want({ pool: 'other' }), snap('snap-1'), [], get),
    Status.INVALID_ARGUMENT,
    /in pool thin, the request asks for pool other/,
  );
  await refusal(withContentSource(want({ replicas: 2 }), snap('snap-1'), [], get), Status.INVALID_ARGUMENT, /one replica/);
  await refusal(
    withContentSource(want({}, GiB), snap('snap-1'), [], get),
    Status.OUT_OF_RANGE,
    /smaller than source snapshot snap-1 \(2Gi\)/,
  );
  await refusal(withContentSource(want({ volumeMode: 'Block' }), vol('pvc-src'), [], get), Status.INVALID_ARGUMENT, /Filesystem volume/);
  await refusal(
    withContentSource(want(), snap('snap-1'), ['node-b'], get),
    Status.RESOURCE_EXHAUSTED,
    /on node node-a, outside the requested topology/,
  );
  await refusal(withContentSource(want({ pool: 'full' }), snap('snap-full'), [], get), Status.RESOURCE_EXHAUSTED, /no unwritten space/);
});

test.run();
