// The operator's reading of DRBD: which nodes can hold how many replicas (and the refusal that
// names them), and a replica's status from what its agent reports — Ready only when UpToDate,
// Syncing with the percentage and the source, a cut-off or StandAlone peer named with its state.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { membersAllowed, replicationRefusal, type NodeDrbd } from '../../src/operator/agents/drbd-support.ts';
import { drbdView, resourceMembers } from '../../src/operator/volumes/replica-reconciler.ts';
import type { VolumeReplica } from '../../src/api/index.ts';
import type { ReplicationStatus__Output } from '../../src/agent-api/generated/stratum/agent/v1/ReplicationStatus.ts';
import type { ReplicationPeerStatus__Output } from '../../src/agent-api/generated/stratum/agent/v1/ReplicationPeerStatus.ts';

const d84: NodeDrbd = { version: '8.4.11', maxReplicas: 2 };
const d9: NodeDrbd = { version: '9.2.12', maxReplicas: 3 };
const none: NodeDrbd = { version: '', maxReplicas: 0 };

test("replica counts the nodes' DRBD cannot carry are refused, naming each node and what to install", () => {
  assert.is(replicationRefusal(1, new Map([['a', none]])), undefined, 'one replica needs no DRBD');
  assert.is(
    replicationRefusal(
      2,
      new Map([
        ['a', d84],
        ['b', d9],
      ]),
    ),
    undefined,
  );
  assert.is(
    replicationRefusal(
      3,
      new Map([
        ['a', d9],
        ['b', d9],
        ['c', d9],
      ]),
    ),
    undefined,
  );
  const three = replicationRefusal(
    3,
    new Map([
      ['b', d84],
      ['a', d9],
      ['c', none],
    ]),
  )!;
  assert.match(three, "3 replicas need DRBD on every replica's node and DRBD 9 for more than 2");
  assert.match(three, 'node b has DRBD 8.4.11, which connects 2 replicas at most (install DRBD 9 for 3)');
  assert.match(three, 'node c has no DRBD (install drbd-utils and load a DRBD kernel module');
  assert.not.match(three, /node a has/);
  assert.match(replicationRefusal(2, new Map([['x', none]]))!, 'node x has no DRBD');
  assert.is(replicationRefusal(2, new Map()), undefined, 'unknown nodes are not refused');
});

test("members at once: the smallest DRBD among the nodes; DRBD 9's three when nothing is known", () => {
  assert.is(
    membersAllowed(
      new Map([
        ['a', d9],
        ['b', d84],
      ]),
    ),
    2,
  );
  assert.is(membersAllowed(new Map([['a', d9]])), 3);
  assert.is(membersAllowed(new Map()), 3);
  assert.is(
    membersAllowed(
      new Map([
        ['a', none],
        ['b', d9],
      ]),
    ),
    3,
  );
});

const vr = (role: 'primary' | 'secondary' = 'secondary'): VolumeReplica => ({
  apiVersion: 'storage.stratum.dev/v1alpha1',
  kind: 'VolumeReplica',
  metadata: { name: 'v-1', generation: 4 },
  spec: { volume: 'v', node: 'node-b', pool: 'p', size: '1Gi', role, replication: { port: 7789, minor: 1000, nodeId: 1, protocol: 'C' } },
});

const peer = (over: Partial<ReplicationPeerStatus__Output>): ReplicationPeerStatus__Output => ({
  node: 'node-a',
  connectionState: 'Connected',
  role: 'Primary',
  diskState: 'UpToDate',
  replicationState: 'Established',
  syncPercent: 100,
  syncing: false,
  ...over,
});

const status = (over: Partial<ReplicationStatus__Output>): ReplicationStatus__Output => ({
  resource: 'stratum-v',
  configured: true,
  up: true,
  role: 'Secondary',
  diskState: 'UpToDate',
  syncPercent: 100,
  peers: [peer({})],
  devicePath: '/dev/drbd1000',
  sizeBytes: String(1024 ** 3),
  drbdVersion: '8.4.11',
  ...over,
});

test('in sync: Ready, Replicating, settled; the DRBD fields and the device size as capacity', () => {
  const v = drbdView(vr(), status({}));
  assert.is(v.state, 'Ready');
  assert.is(v.ready.status, 'True');
  assert.equal([v.replicating.status, v.replicating.reason], ['True', 'InSync']);
  assert.ok(v.settled);
  assert.equal(v.fields, {
    role: 'Secondary',
    diskState: 'UpToDate',
    connection: 'Connected',
    syncPercent: 100,
    peers: [{ node: 'node-a', connection: 'Connected', role: 'Primary', diskState: 'UpToDate', replication: 'Established' }],
    devicePath: '/dev/drbd1000',
    capacity: '1Gi',
  });
});

test('a sync target: Syncing with its percentage (rounded down) and its source; not settled', () => {
  const v = drbdView(
    vr(),
    status({
      diskState: 'Inconsistent',
      syncPercent: 42.9,
      peers: [peer({ replicationState: 'SyncTarget', syncing: true, syncPercent: 42.9 })],
    }),
  );
  assert.is(v.state, 'Syncing');
  assert.is(v.fields.syncPercent, 42);
  assert.equal([v.ready.status, v.ready.reason], ['False', 'Syncing']);
  assert.match(v.ready.message, 'replica on node node-b is 42 % in sync, syncing from node node-a');
  assert.equal([v.replicating.reason, v.replicating.message], ['Syncing', 'SyncTarget with node node-a: 42 %']);
  assert.not.ok(v.settled);
  // The source side: its data is all there, the replication is not.
  const src = drbdView(
    vr('primary'),
    status({
      role: 'Primary',
      peers: [
        peer({
          node: 'node-c',
          role: 'Secondary',
          diskState: 'Inconsistent',
          replicationState: 'SyncSource',
          syncing: true,
          syncPercent: 10,
        }),
      ],
    }),
  );
  assert.is(src.state, 'Ready');
  assert.equal([src.replicating.status, src.replicating.reason], ['False', 'Syncing']);
});

test('a peer that cannot be reached, and a StandAlone peer (split brain): named with the DRBD states; nothing discarded', () => {
  const cut = drbdView(
    vr(),
    status({
      peers: [peer({ connectionState: 'Connecting', role: 'Unknown', diskState: 'DUnknown', replicationState: 'Off', syncPercent: 0 })],
    }),
  );
  assert.is(cut.state, 'Ready', 'this copy still holds all the data');
  assert.is(cut.fields.connection, 'Connecting');
  assert.equal(
    [cut.replicating.reason, cut.replicating.message],
    ['PeerUnreachable', 'node node-b cannot reach node node-a (DRBD Connecting, peer disk DUnknown)'],
  );
  const alone = drbdView(
    vr(),
    status({
      role: 'Primary',
      peers: [peer({ connectionState: 'StandAlone', role: 'Unknown', diskState: 'DUnknown', replicationState: 'Off' })],
    }),
  );
  assert.is(alone.replicating.reason, 'StandAlone');
  assert.match(alone.replicating.message, 'dropped the connection to node node-a (peer disk DUnknown)');
  assert.match(alone.replicating.message, 'split brain');
  assert.match(alone.replicating.message, 'Stratum discards no data');
  const lost = drbdView(
    vr(),
    status({ diskState: 'Outdated', syncPercent: 0, peers: [peer({ connectionState: 'Connecting', diskState: 'DUnknown' })] }),
  );
  assert.equal([lost.state, lost.ready.reason], ['Syncing', 'Outdated']);
  assert.match(lost.ready.message, 'cannot reach node-a');
});

test("a replica's DRBD resource holds the members its spec names: a peer not yet patched, missing or without a device is waited for", () => {
  const member = (
    name: string,
    node: string,
    nodeId: number | undefined,
    backing?: string,
    over: Partial<VolumeReplica['metadata']> = {},
  ): VolumeReplica => ({
    ...vr(),
    metadata: { name, generation: 2, ...over },
    spec: {
      volume: 'v',
      node,
      pool: 'p',
      size: '1Gi',
      role: 'secondary',
      ...(nodeId === undefined ? {} : { replication: { port: 7789, minor: 1000, nodeId, protocol: 'C' as const } }),
    },
    ...(backing ? { status: { backingDevicePath: backing } } : {}),
  });
  const self: VolumeReplica = {
    ...member('v-a', 'node-a', 0, '/dev/vg/v'),
    spec: {
      ...member('v-a', 'node-a', 0).spec,
      replication: { port: 7789, minor: 1000, nodeId: 0, protocol: 'C', peers: [{ node: 'node-b', nodeId: 1 }] },
    },
  };
  // The volume's reconciler has patched this replica, not yet its peer (or the cache has not seen it).
  const unpatched = resourceMembers(self, [self, member('v-b', 'node-b', undefined, '/dev/vg/v')]);
  assert.equal(unpatched.waiting, ['replica v-b on node-b (not a member yet)']);
  assert.equal(
    resourceMembers(self, [self, member('v-b', 'node-b', 2, '/dev/vg/v')]).waiting,
    ['replica v-b on node-b (not a member yet)'],
    'another node id',
  );
  assert.equal(resourceMembers(self, [self]).waiting, ['the replica on node-b (not created yet)']);
  assert.equal(resourceMembers(self, [self, member('v-b', 'node-b', 1)]).waiting, ['replica v-b on node-b (no device yet)']);
  const leaving = member('v-b', 'node-b', 1, '/dev/vg/v', { deletionTimestamp: '2026-12-05T00:00:00Z' });
  assert.equal(
    resourceMembers(self, [self, leaving]).waiting,
    ['replica v-b on node-b (being deleted)'],
    'a replica being deleted is no member',
  );
  const ready = member('v-b', 'node-b', 1, '/dev/vg/v');
  assert.equal(resourceMembers(self, [self, leaving, ready]).members.at(-1), ready, 'the live one of two on a node');
  const { members, waiting } = resourceMembers(self, [member('v-c', 'node-c', 2, '/dev/vg/v'), ready, self]);
  assert.equal(waiting, []);
  assert.equal(
    members.map((m) => m.metadata.name),
    ['v-a', 'v-b'],
    'itself and its peers, not every replicated replica of the volume',
  );
});

test.run();
