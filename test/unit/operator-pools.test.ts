import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LocalDisk, StoragePool } from '../../src/api/index.ts';
import { matchesLabelSelector } from '../../src/operator/runtime/selectors.ts';
import { selectDisks } from '../../src/operator/pools/disk-selection.ts';
import { thinAllocatable } from '../../src/operator/pools/pool-reconciler.ts';
import { diskStatus, localDiskName } from '../../src/operator/disks/localdisk-mapping.ts';
import type { Disk__Output } from '../../src/agent-api/generated/stratum/agent/v1/Disk.ts';

const pool = (spec: Partial<StoragePool['spec']> = {}): StoragePool => ({
  apiVersion: 'storage.stratum.dev/v1alpha1',
  kind: 'StoragePool',
  metadata: { name: 'fast' },
  spec: { mediaClass: 'ssd', backend: 'lvm', thin: false, ...spec },
});
const disk = (name: string, status: Partial<NonNullable<LocalDisk['status']>>, spec: Partial<LocalDisk['spec']> = {}): LocalDisk => ({
  apiVersion: 'storage.stratum.dev/v1alpha1',
  kind: 'LocalDisk',
  metadata: { name },
  spec: { nodeName: 'node-a', reserved: false, ...spec },
  status: { state: 'Available', mediaClass: 'ssd', capacity: '100Gi', ...status },
});

test('label selectors: matchLabels and every operator', () => {
  const labels = { zone: 'a', tier: 'fast' };
  assert.ok(matchesLabelSelector(labels, undefined));
  assert.ok(matchesLabelSelector(labels, {}));
  assert.ok(matchesLabelSelector(labels, { matchLabels: { zone: 'a' } }));
  assert.not.ok(matchesLabelSelector(labels, { matchLabels: { zone: 'b' } }));
  assert.ok(matchesLabelSelector(labels, { matchExpressions: [{ key: 'tier', operator: 'In', values: ['fast', 'x'] }] }));
  assert.not.ok(matchesLabelSelector(labels, { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['fast'] }] }));
  assert.ok(matchesLabelSelector(labels, { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }));
  assert.not.ok(matchesLabelSelector(labels, { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }));
  assert.not.ok(matchesLabelSelector(undefined, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }));
});

test('a pool takes available disks of its media class and says why it left the others out', () => {
  const disks = [
    disk('a-ok', {}),
    disk('b-hdd', { mediaClass: 'hdd' }),
    disk('c-reserved', {}, { reserved: true }),
    disk('d-used', { state: 'InUse', inUseBy: 'signature:xfs' }),
    disk('e-other', { pool: 'slow', state: 'InUse' }),
    disk('f-missing', { state: 'Missing' }),
    disk('g-override', { mediaClass: 'hdd' }, { mediaClass: 'ssd' }),
  ];
  const { selected, skipped } = selectDisks(pool(), disks);
  assert.equal(
    selected.map((d) => d.metadata.name),
    ['a-ok', 'g-override'],
  );
  assert.match(skipped.get('b-hdd')!, /media class hdd is not ssd/);
  assert.match(skipped.get('c-reserved')!, /reserved/);
  assert.match(skipped.get('d-used')!, /in use \(signature:xfs\)/);
  assert.match(skipped.get('e-other')!, /in pool slow/);
  assert.match(skipped.get('f-missing')!, /missing/);
});

test('size range and by-id pattern narrow the choice; disks already in the pool stay', () => {
  const p = pool({ diskSelector: { minSize: '50Gi', maxSize: '1Ti', byIdPattern: 'nvme-Samsung*' } });
  const disks = [
    disk('a', { capacity: '100Gi', identity: { id: 'x', byIdPath: '/dev/disk/by-id/nvme-Samsung_980' } }),
    disk('b', { capacity: '10Gi', identity: { id: 'y', byIdPath: '/dev/disk/by-id/nvme-Samsung_970' } }),
    disk('c', { capacity: '2Ti', identity: { id: 'z', byIdPath: '/dev/disk/by-id/nvme-Samsung_990' } }),
    disk('d', { capacity: '100Gi', identity: { id: 'w', byIdPath: '/dev/disk/by-id/nvme-WD_SN850' } }),
    disk('e', { capacity: '10Gi', pool: 'fast', state: 'InUse' }),
  ];
  const { selected, skipped } = selectDisks(p, disks);
  assert.equal(
    selected.map((d) => d.metadata.name),
    ['a', 'e'],
  );
  assert.match(skipped.get('b')!, /smaller than 50Gi/);
  assert.match(skipped.get('c')!, /larger than 1Ti/);
  assert.match(skipped.get('d')!, /does not match nvme-Samsung\*/);
});

test('LocalDisk names are stable per (node, disk id) and independent of the device name', () => {
  const a = localDiskName('node-a', 'wwn:0x5000c500a1b2c3d4');
  assert.is(a, localDiskName('node-a', 'wwn:0x5000c500a1b2c3d4'));
  assert.is.not(a, localDiskName('node-b', 'wwn:0x5000c500a1b2c3d4'));
  assert.match(a, /^node-a-[0-9a-f]{12}$/);
});

test('disk status maps the agent report, with the spec override winning the media class', () => {
  const report: Disk__Output = {
    id: 'loop:/tmp/x.img',
    devicePath: '/dev/loop3',
    byIdPaths: [],
    wwn: '',
    serial: '',
    model: '',
    vendor: '',
    sizeBytes: String(2n ** 30n),
    mediaClass: 'MEDIA_CLASS_HDD',
    rotational: true,
    transport: '',
    state: 'DISK_STATE_IN_USE',
    inUseReasons: ['pool:fast'],
    pool: 'fast',
    backingFile: '/tmp/x.img',
    majorMinor: '7:3',
  };
  const status = diskStatus(report, { nodeName: 'node-a', reserved: false, mediaClass: 'ssd' }, new Date(0));
  assert.equal(status, {
    identity: { id: 'loop:/tmp/x.img', backingFile: '/tmp/x.img' },
    devicePath: '/dev/loop3',
    capacity: '1Gi',
    detectedMediaClass: 'hdd',
    mediaClass: 'ssd',
    state: 'InUse',
    inUseBy: 'pool:fast',
    pool: 'fast',
    lastSeen: '1970-01-01T00:00:00.000Z',
  });
});

test('thin pools: allocatable is the overcommit limit less the volumes already provisioned, never negative', () => {
  const GiB = 1024n ** 3n;
  const pool = (total: bigint, provisioned: bigint) => ({ totalBytes: String(total), provisionedBytes: String(provisioned) });
  assert.is(thinAllocatable(pool(10n * GiB, 0n), 100), 10n * GiB);
  assert.is(thinAllocatable(pool(10n * GiB, 4n * GiB), 100), 6n * GiB);
  assert.is(thinAllocatable(pool(10n * GiB, 15n * GiB), 200), 5n * GiB);
  assert.is(thinAllocatable(pool(10n * GiB, 25n * GiB), 200), 0n);
});

test.run();
