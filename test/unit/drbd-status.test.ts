// DRBD status parsing. There is no DRBD kernel module on the test machine, so these samples are
// not recorded here: they follow drbd-utils 9's formats (`drbdsetup status --json`, including
// its `peer_devices` key, and the `drbdadm status` text layout from the DRBD 9 user's guide).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inSync, parseStatusJson, parseStatusText, syncPercent } from '../../src/agent/drbd/status.ts';

const JSON_SYNCING = JSON.stringify([
  {
    name: 'stratum-pvc-1', 'node-id': 0, role: 'Primary', suspended: false, 'write-ordering': 'flush',
    devices: [{ volume: 0, minor: 1000, 'disk-state': 'UpToDate', client: false, quorum: true, size: 1048576 }],
    connections: [
      {
        'peer-node-id': 1, name: 'node-b', 'connection-state': 'Connected', congested: false, 'peer-role': 'Secondary',
        peer_devices: [{ volume: 0, 'replication-state': 'SyncSource', 'peer-disk-state': 'Inconsistent', 'out-of-sync': 602112, 'has-sync-details': true, 'percent-in-sync': 42.58 }],
      },
      {
        'peer-node-id': 2, name: 'node-c', 'connection-state': 'Connected', congested: false, 'peer-role': 'Secondary',
        peer_devices: [{ volume: 0, 'replication-state': 'Established', 'peer-disk-state': 'UpToDate', 'out-of-sync': 0, 'has-sync-details': false, 'percent-in-sync': 100 }],
      },
    ],
  },
]);

const JSON_IN_SYNC = JSON.stringify([
  {
    name: 'stratum-pvc-2', 'node-id': 1, role: 'Secondary',
    devices: [{ volume: 0, minor: 1001, 'disk-state': 'UpToDate' }],
    connections: [{ 'peer-node-id': 0, name: 'node-a', 'connection-state': 'Connected', 'peer-role': 'Primary', peer_devices: [{ volume: 0, 'replication-state': 'Established', 'peer-disk-state': 'UpToDate', 'percent-in-sync': 100 }] }],
  },
]);

const TEXT_SOURCE = `stratum-pvc-1 role:Primary
  disk:UpToDate
  node-b role:Secondary
    replication:SyncSource peer-disk:Inconsistent done:42.58
  node-c role:Secondary
    peer-disk:UpToDate
`;

const TEXT_TARGET = `stratum-pvc-1 role:Secondary
  disk:Inconsistent
  node-a role:Primary
    replication:SyncTarget peer-disk:UpToDate done:7.90
`;

const TEXT_DISCONNECTED_TWO_RESOURCES = `stratum-pvc-3 role:Secondary
  volume:0 disk:UpToDate
  node-a connection:Connecting

stratum-pvc-4 role:Primary
  disk:UpToDate
  node-b role:Secondary
    peer-disk:UpToDate
`;

test('json: a resource syncing to one of two peers', () => {
  const [r] = parseStatusJson(JSON_SYNCING);
  assert.ok(r);
  assert.is(r.name, 'stratum-pvc-1');
  assert.is(r.role, 'Primary');
  assert.equal(r.volumes, [{ volume: 0, minor: 1000, diskState: 'UpToDate' }]);
  assert.equal(r.peers.map((p) => [p.name, p.nodeId, p.connectionState, p.role]), [['node-b', 1, 'Connected', 'Secondary'], ['node-c', 2, 'Connected', 'Secondary']]);
  assert.is(r.peers[0]?.volumes[0]?.replicationState, 'SyncSource');
  assert.is(syncPercent(r), 42.58);
  assert.is(inSync(r), false);
});

test('json: all in sync', () => {
  const [r] = parseStatusJson(JSON_IN_SYNC);
  assert.ok(r);
  assert.is(syncPercent(r), 100);
  assert.is(inSync(r), true);
});

test('text: sync source and sync target agree on the progress', () => {
  const [src] = parseStatusText(TEXT_SOURCE);
  assert.ok(src);
  assert.is(src.peers.length, 2);
  assert.equal(src.peers[1]?.volumes, [{ volume: 0, replicationState: 'Established', peerDiskState: 'UpToDate' }]);
  assert.is(syncPercent(src), 42.58);
  assert.is(inSync(src), false);
  const [dst] = parseStatusText(TEXT_TARGET);
  assert.ok(dst);
  assert.is(dst.volumes[0]?.diskState, 'Inconsistent');
  assert.is(syncPercent(dst), 7.9, 'the local inconsistent disk counts the progress reported for it');
});

test('text: a peer that is not connected is not in sync; several resources', () => {
  const [a, b] = parseStatusText(TEXT_DISCONNECTED_TWO_RESOURCES);
  assert.ok(a && b);
  assert.is(a.peers[0]?.connectionState, 'Connecting');
  assert.is(syncPercent(a), 0);
  assert.is(inSync(a), false);
  assert.is(b.name, 'stratum-pvc-4');
  assert.is(syncPercent(b), 100);
  assert.is(inSync(b), true);
});

test('garbage is refused with a message, not a crash', () => {
  assert.throws(() => parseStatusJson('not json'), /not JSON/);
  assert.throws(() => parseStatusJson('{}'), /array/);
  assert.throws(() => parseStatusText('  disk:UpToDate\n'), /before any resource/);
  assert.equal(parseStatusJson('[]'), []);
  assert.equal(parseStatusText(''), []);
});

test.run();
