// DRBD status, reduced to one shape from DRBD 8.4's /proc/drbd and DRBD 9's `drbdsetup status
// --json`. The 8.4 samples follow the module the lab runs (8.4.11; its lines are proven there by
// test/lab-replication/replication.test.ts); DRBD 9 exists nowhere here, so its samples follow drbd-utils 9's
// format (including its `peer_devices` key).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isSyncing, localSyncPercent, parseProcDrbd, stateFrom84, stateFromJson } from '../../src/agent/drbd/status.ts';

const PROC_SYNC_SOURCE = `version: 8.4.11 (api:1/proto:86-101)
srcversion: 211FB288A383ED945B83420 
1000: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----
    ns:11264 nr:0 dw:0 dr:12184 al:8 bm:0 lo:0 pe:2 ua:0 ap:0 ep:1 wo:f oos:54272
\t[==>.................] sync'ed: 17.4% (54272/65532)K
\tfinish: 0:00:05 speed: 10,852 (10,852) K/sec
1001: cs:Unconfigured
`;

const PROC_TARGET_AND_WAITING = `version: 8.4.11 (api:1/proto:86-101)
1000: cs:SyncTarget ro:Secondary/Primary ds:Inconsistent/UpToDate C r-----
    ns:0 nr:11264 dw:11264 dr:0 al:8 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:54272
\t[==>.................] sync'ed: 17.4% (54272/65532)K
1002: cs:WFConnection ro:Secondary/Unknown ds:UpToDate/DUnknown C r-----
    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0
1003: cs:StandAlone ro:Primary/Unknown ds:UpToDate/DUnknown   r-----
1004: cs:Connected ro:Secondary/Secondary ds:UpToDate/UpToDate C r-----
`;

/** A peer as the parsers report it. */
const peer = (node: string, connectionState: string, role: string, diskState: string, replicationState: string) => ({
  node,
  connectionState,
  role,
  diskState,
  replicationState,
});

const JSON_SYNCING = JSON.stringify([
  {
    name: 'stratum-pvc-1',
    'node-id': 0,
    role: 'Primary',
    suspended: false,
    devices: [{ volume: 0, minor: 1000, 'disk-state': 'UpToDate', client: false, quorum: true, size: 1048576 }],
    connections: [
      {
        'peer-node-id': 1,
        name: 'node-b',
        'connection-state': 'Connected',
        'peer-role': 'Secondary',
        peer_devices: [{ volume: 0, 'replication-state': 'SyncSource', 'peer-disk-state': 'Inconsistent', 'percent-in-sync': 42.58 }],
      },
      {
        'peer-node-id': 2,
        name: 'node-c',
        'connection-state': 'Connected',
        'peer-role': 'Secondary',
        peer_devices: [{ volume: 0, 'replication-state': 'Established', 'peer-disk-state': 'UpToDate', 'percent-in-sync': 100 }],
      },
    ],
  },
  { name: 'other', role: 'Secondary', devices: [], connections: [] },
]);

/** drbdsetup's JSON for one volume of stratum-pvc-1 with one peer, node-a, as it says it. */
const onePeer = (diskState: string, connectionState: string, peerRole: string, peerDevice: Record<string, unknown>) =>
  JSON.stringify([
    {
      name: 'stratum-pvc-1',
      role: 'Secondary',
      devices: [{ volume: 0, minor: 1001, 'disk-state': diskState }],
      connections: [
        { name: 'node-a', 'connection-state': connectionState, 'peer-role': peerRole, peer_devices: [{ volume: 0, ...peerDevice }] },
      ],
    },
  ]);

const JSON_TARGET = onePeer('Inconsistent', 'Connected', 'Primary', {
  'replication-state': 'SyncTarget',
  'peer-disk-state': 'UpToDate',
  'percent-in-sync': 7.9,
});
const JSON_CUT_OFF = onePeer('UpToDate', 'Connecting', 'Unknown', { 'replication-state': 'Off', 'peer-disk-state': 'DUnknown' });

test('8.4: a sync source reports its role, disks and the progress; unconfigured minors are not there', () => {
  const devices = parseProcDrbd(PROC_SYNC_SOURCE);
  assert.equal(
    devices.map((d) => [d.minor, d.cs]),
    [
      [1000, 'SyncSource'],
      [1001, 'Unconfigured'],
    ],
  );
  const s = stateFrom84(devices, 1000, 'node-b')!;
  assert.equal(s, {
    role: 'Primary',
    diskState: 'UpToDate',
    peers: [
      {
        node: 'node-b',
        connectionState: 'Connected',
        role: 'Secondary',
        diskState: 'Inconsistent',
        replicationState: 'SyncSource',
        syncPercent: 17.4,
      },
    ],
  });
  assert.is(localSyncPercent(s), 100, 'the source has all the data');
  assert.ok(isSyncing(s.peers[0]!));
  assert.is(stateFrom84(devices, 1001, 'node-b'), undefined, 'Unconfigured: the resource is down');
  assert.is(stateFrom84(devices, 1005, 'node-b'), undefined, 'absent: the resource is down');
});

test('8.4: sync target, waiting for the peer, cut off (StandAlone), in sync', () => {
  const devices = parseProcDrbd(PROC_TARGET_AND_WAITING);
  const target = stateFrom84(devices, 1000, 'node-a')!;
  assert.is(target.diskState, 'Inconsistent');
  assert.is(target.peers[0]!.replicationState, 'SyncTarget');
  assert.is(localSyncPercent(target), 17.4, 'the target has what the resync copied so far');
  const waiting = stateFrom84(devices, 1002, 'node-a')!;
  assert.equal(waiting.peers[0], peer('node-a', 'Connecting', 'Unknown', 'DUnknown', 'Off'));
  assert.is(localSyncPercent(waiting), 100);
  const alone = stateFrom84(devices, 1003, 'node-a')!;
  assert.is(alone.peers[0]!.connectionState, 'StandAlone');
  assert.is(alone.role, 'Primary');
  const synced = stateFrom84(devices, 1004, 'node-a')!;
  assert.equal(synced.peers[0], peer('node-a', 'Connected', 'Secondary', 'UpToDate', 'Established'));
  assert.not.ok(isSyncing(synced.peers[0]!));
});

test('9: a resource syncing to one of two peers; other resources ignored', () => {
  const s = stateFromJson(JSON_SYNCING, 'stratum-pvc-1')!;
  assert.is(s.role, 'Primary');
  assert.is(s.diskState, 'UpToDate');
  assert.equal(
    s.peers.map((p) => [p.node, p.connectionState, p.role, p.diskState, p.replicationState, p.syncPercent]),
    [
      ['node-b', 'Connected', 'Secondary', 'Inconsistent', 'SyncSource', 42.58],
      ['node-c', 'Connected', 'Secondary', 'UpToDate', 'Established', undefined],
    ],
  );
  assert.is(localSyncPercent(s), 100);
  assert.is(stateFromJson(JSON_SYNCING, 'stratum-pvc-9'), undefined, 'not up');
});

test("9: a sync target counts its source's progress; a cut-off peer is Connecting with an unknown disk", () => {
  assert.is(localSyncPercent(stateFromJson(JSON_TARGET, 'stratum-pvc-1')!), 7.9);
  const cut = stateFromJson(JSON_CUT_OFF, 'stratum-pvc-1')!;
  assert.equal(cut.peers[0], peer('node-a', 'Connecting', 'Unknown', 'DUnknown', 'Off'));
});

test('garbage is refused with a message, not a crash', () => {
  assert.throws(() => stateFromJson('not json', 'r'), /not JSON/);
  assert.throws(() => stateFromJson('{}', 'r'), /array/);
  assert.is(stateFromJson('[]', 'r'), undefined);
  assert.equal(parseProcDrbd(''), []);
});

test.run();
