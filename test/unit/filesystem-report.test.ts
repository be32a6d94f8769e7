// What a node's volume listing changes in the LocalVolumes' status.filesystem: a mounted
// filesystem appears or changes, one that the status places on this node and that is gone is
// cleared, and what other nodes reported is left alone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LocalVolume } from '../../src/api/index.ts';
import { listedVolume } from '../helpers/listed-volume.ts';
import type { Volume__Output } from '../../src/agent-api/generated/stratum/agent/v1/Volume.ts';
import { filesystemChanges, type FilesystemStatus } from '../../src/operator/volumes/filesystem-report.ts';

const GiB = 2n ** 30n;

const volume = (name: string, filesystem?: FilesystemStatus): LocalVolume => ({
  apiVersion: 'storage.stratum.dev/v1alpha1',
  kind: 'LocalVolume',
  metadata: { name },
  spec: { pool: 'nvme', size: '1Gi', replicas: 1, volumeMode: 'Filesystem', fsType: 'xfs', consistency: 'sync' },
  status: { phase: 'Ready', capacity: '1Gi', ...(filesystem ? { filesystem } : {}) },
});

const listed = (id: string, filesystem?: { type: string; sizeBytes: bigint }, orphan = false): Volume__Output =>
  listedVolume(id, {
    open: !!filesystem,
    orphan,
    filesystem: filesystem ? { type: filesystem.type, sizeBytes: String(filesystem.sizeBytes) } : null,
  });

const onA = (capacity: string, type = 'xfs'): FilesystemStatus => ({ type, capacity, node: 'node-a' });

test('a filesystem mounted on the node appears in the status, rounded for reading', () => {
  const changes = filesystemChanges('node-a', [listed('v1', { type: 'xfs', sizeBytes: 1006632960n })], [volume('v1')]);
  assert.equal(changes, [{ volume: 'v1', filesystem: onA('960Mi') }]);
});

test('the same filesystem again: no change, no write', () => {
  assert.equal(filesystemChanges('node-a', [listed('v1', { type: 'xfs', sizeBytes: 1006632960n })], [volume('v1', onA('960Mi'))]), []);
});

test('a grown filesystem updates its capacity', () => {
  const changes = filesystemChanges(
    'node-a',
    [listed('v1', { type: 'xfs', sizeBytes: 2n * GiB - 64n * 2n ** 20n })],
    [volume('v1', onA('960Mi'))],
  );
  assert.equal(changes, [{ volume: 'v1', filesystem: onA('1.9Gi') }]);
});

test('unmounted, or no longer listed, on the node the status names: cleared', () => {
  assert.equal(filesystemChanges('node-a', [listed('v1')], [volume('v1', onA('960Mi'))]), [{ volume: 'v1', filesystem: null }]);
  assert.equal(filesystemChanges('node-a', [], [volume('v1', onA('960Mi'))]), [{ volume: 'v1', filesystem: null }]);
});

test("another node's report is left alone: a replica here without a mount says nothing about node-b", () => {
  const onB = { type: 'ext4', capacity: '960Mi', node: 'node-b' };
  assert.equal(filesystemChanges('node-a', [listed('v1')], [volume('v1', onB)]), []);
});

test('a volume mounted after moving to this node takes over the report', () => {
  const onB = { type: 'xfs', capacity: '960Mi', node: 'node-b' };
  const changes = filesystemChanges('node-a', [listed('v1', { type: 'xfs', sizeBytes: 1006632960n })], [volume('v1', onB)]);
  assert.equal(changes, [{ volume: 'v1', filesystem: onA('960Mi') }]);
});

test('orphans and LVs without a LocalVolume are not reported', () => {
  const mounted = { type: 'xfs', sizeBytes: GiB };
  assert.equal(filesystemChanges('node-a', [listed('v1', mounted, true), listed('gone', mounted)], [volume('v1')]), []);
});

test.run();
