import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LocalVolume, VolumeReplica } from '../../src/api/index.ts';
import { VOLUME_PHASES } from '../../src/api/localvolume.ts';
import { deriveVolumeStatus, type VolumeStatusInput } from '../../src/operator/volumes/volume-phase.ts';

type Cond = { type: string; status: 'True' | 'False'; reason: string; message: string };
interface ReplicaShape {
  node: string;
  role?: 'primary' | 'secondary';
  state?: 'Pending' | 'Creating' | 'Ready' | 'Failed' | 'Lost' | 'Deleting';
  capacity?: string;
  sync?: number;
  lastError?: string;
  ready?: Cond;
  replicating?: Cond;
  deleting?: boolean;
}

const volume = (replicas = 1, size = '10Gi'): LocalVolume => ({
  apiVersion: 'storage.stratum.dev/v1alpha1',
  kind: 'LocalVolume',
  metadata: { name: 'pvc-1', generation: 1 },
  spec: { pool: 'nvme', size, replicas, volumeMode: 'Filesystem', fsType: 'ext4', consistency: 'sync' },
});

function replica(r: ReplicaShape): VolumeReplica {
  const conditions = [r.ready, r.replicating]
    .filter((c): c is Cond => Boolean(c))
    .map((c) => ({ ...c, lastTransitionTime: '2026-01-01T00:00:00Z' }));
  return {
    apiVersion: 'storage.stratum.dev/v1alpha1',
    kind: 'VolumeReplica',
    metadata: { name: `pvc-1-${r.node}`, ...(r.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { volume: 'pvc-1', node: r.node, pool: 'nvme', size: '10Gi', role: r.role ?? 'primary' },
    ...(r.state
      ? {
          status: {
            state: r.state,
            ...(r.capacity ? { capacity: r.capacity } : {}),
            ...(r.sync !== undefined ? { syncPercent: r.sync } : {}),
            ...(r.lastError ? { lastError: r.lastError } : {}),
            ...(conditions.length ? { conditions } : {}),
          },
        }
      : {}),
  };
}

const ready = (node: string, over: Partial<ReplicaShape> = {}): ReplicaShape => ({ node, state: 'Ready', capacity: '10Gi', ...over });
const inSync = (node: string, role: 'primary' | 'secondary'): ReplicaShape =>
  ready(node, { role, sync: 100, replicating: { type: 'Replicating', status: 'True', reason: 'ResourceUp', message: 'up' } });
const notReady = (reason: string, message: string): Cond => ({ type: 'Ready', status: 'False', reason, message });

interface Row {
  readonly name: string;
  readonly volume?: LocalVolume;
  readonly replicas: ReplicaShape[];
  readonly input?: Partial<Omit<VolumeStatusInput, 'volume' | 'replicas'>>;
  readonly phase: string;
  readonly reason: string;
  readonly message: string;
}

const TABLE: Row[] = [
  {
    name: 'Pending: forced by the caller, with its reason',
    replicas: [],
    input: { forced: 'Pending', problem: { reason: 'PoolNotFound', message: 'StoragePool nvme does not exist' } },
    phase: 'Pending',
    reason: 'PoolNotFound',
    message: 'StoragePool nvme does not exist',
  },
  {
    name: 'Pending: forced without a problem names itself',
    replicas: [],
    input: { forced: 'Pending' },
    phase: 'Pending',
    reason: 'Pending',
    message: 'Pending',
  },
  {
    name: 'Lost: the only replica is Lost, its reason and node said plainly',
    replicas: [
      { node: 'a', state: 'Lost', ready: notReady('NodeLost', 'the agent on node a has been unreachable since 12:00 (grace 5m)') },
    ],
    phase: 'Lost',
    reason: 'NodeLost',
    message: 'data unavailable: replica on a: the agent on node a has been unreachable since 12:00 (grace 5m)',
  },
  {
    name: 'Degraded, not Lost: one replica Lost, another Ready',
    volume: volume(2),
    replicas: [
      inSync('a', 'primary'),
      {
        node: 'b',
        role: 'secondary',
        state: 'Lost',
        lastError: 'node b was deleted',
        ready: notReady('NodeDeleted', 'node b was deleted'),
      },
    ],
    phase: 'Degraded',
    reason: 'NodeDeleted',
    message: 'replica on b: node b was deleted',
  },
  {
    name: 'Creating: no replica yet',
    replicas: [],
    phase: 'Creating',
    reason: 'Creating',
    message: 'placing replicas',
  },
  {
    name: 'Creating: a replica not yet created counts as failing, with no reason of its own',
    replicas: [{ node: 'a' }],
    phase: 'Creating',
    reason: 'ReplicaNotReady',
    message: 'replica on a: not created yet',
  },
  {
    name: 'Creating: with a failing replica, its reason and last error',
    replicas: [
      { node: 'a', state: 'Pending', lastError: 'node a, pool nvme: 1 GiB free', ready: notReady('InsufficientCapacity', 'no room') },
    ],
    phase: 'Creating',
    reason: 'InsufficientCapacity',
    message: 'replica on a: node a, pool nvme: 1 GiB free',
  },
  {
    name: 'Migrating: a replica sits on a node being left',
    replicas: [ready('a'), ready('b', { role: 'secondary' })],
    input: { excluded: new Set(['a']) },
    phase: 'Migrating',
    reason: 'Migrating',
    message: 'moving off a',
  },
  {
    name: "Migrating: the move's own message wins",
    replicas: [ready('a'), ready('b', { role: 'secondary' })],
    input: { excluded: new Set(['a']), migration: { from: 'a', to: 'b', message: 'waiting for the new replica to be ready' } },
    phase: 'Migrating',
    reason: 'Migrating',
    message: 'waiting for the new replica to be ready',
  },
  {
    name: 'Migrating: forced (a failed copy) although no replica is on a leaving node any more',
    replicas: [ready('b')],
    input: { forced: 'Migrating', migration: { from: 'a', to: 'b', message: 'copy failed' } },
    phase: 'Migrating',
    reason: 'Migrating',
    message: 'copy failed',
  },
  {
    name: 'Expanding: every replica serves less than spec.size',
    volume: volume(1, '20Gi'),
    replicas: [ready('a')],
    phase: 'Expanding',
    reason: 'Expanding',
    message: 'growing from 10Gi to 20Gi',
  },
  {
    name: "Expanding: stuck, with the failing replica's reason",
    volume: volume(1, '20Gi'),
    replicas: [ready('a', { lastError: 'node a, pool nvme: 2 GiB free', ready: notReady('InsufficientCapacity', 'no room') })],
    phase: 'Expanding',
    reason: 'InsufficientCapacity',
    message: 'growing from 10Gi to 20Gi: replica on a: node a, pool nvme: 2 GiB free',
  },
  {
    name: 'Expanding: the smallest replica that stays decides',
    volume: volume(2, '20Gi'),
    replicas: [inSync('a', 'primary'), { ...inSync('b', 'secondary'), capacity: '20Gi' }],
    phase: 'Expanding',
    reason: 'Expanding',
    message: 'growing from 10Gi to 20Gi',
  },
  {
    name: 'Degraded: a failing replica',
    volume: volume(2),
    replicas: [
      inSync('a', 'primary'),
      { node: 'b', role: 'secondary', state: 'Failed', ready: notReady('VolumeLost', 'volume pvc-1 is gone') },
    ],
    phase: 'Degraded',
    reason: 'VolumeLost',
    message: 'replica on b: volume pvc-1 is gone',
  },
  {
    name: 'Degraded: fewer Ready replicas than asked for',
    volume: volume(2),
    replicas: [ready('a')],
    phase: 'Degraded',
    reason: 'MissingReplicas',
    message: '1 of 2 replicas',
  },
  {
    name: "Degraded: missing replicas explained by the placement's shortfall",
    volume: volume(2),
    replicas: [ready('a')],
    input: { problem: { reason: 'InsufficientCapacity', message: 'no second node has 10Gi' } },
    phase: 'Degraded',
    reason: 'InsufficientCapacity',
    message: 'no second node has 10Gi',
  },
  {
    name: 'Degraded: replicas not in sync',
    volume: volume(2),
    replicas: [
      inSync('a', 'primary'),
      ready('b', {
        role: 'secondary',
        sync: 40,
        replicating: { type: 'Replicating', status: 'True', reason: 'ResourceUp', message: 'syncing' },
      }),
    ],
    phase: 'Degraded',
    reason: 'NotInSync',
    message: 'replica on b: syncing',
  },
  {
    name: 'Degraded: a replica that does not replicate gives its own reason (a peer it cannot reach)',
    volume: volume(2),
    replicas: [
      ready('a', {
        role: 'primary',
        sync: 100,
        replicating: {
          type: 'Replicating',
          status: 'False',
          reason: 'PeerUnreachable',
          message: 'node a cannot reach node b (DRBD Connecting, peer disk DUnknown)',
        },
      }),
      inSync('b', 'secondary'),
    ],
    phase: 'Degraded',
    reason: 'PeerUnreachable',
    message: 'replica on a: node a cannot reach node b (DRBD Connecting, peer disk DUnknown)',
  },
  {
    name: 'Degraded: not in sync, no Replicating condition: the percentage',
    volume: volume(2),
    replicas: [inSync('a', 'primary'), ready('b', { role: 'secondary', sync: 40 })],
    phase: 'Degraded',
    reason: 'NotInSync',
    message: 'replica on b: 40 % in sync',
  },
  {
    name: 'Ready: one replica',
    replicas: [ready('a')],
    phase: 'Ready',
    reason: 'Ready',
    message: '1 replica(s) ready, primary on a',
  },
  {
    name: 'Ready: two replicas in sync; a replica being deleted is left out',
    volume: volume(2),
    replicas: [inSync('a', 'primary'), inSync('b', 'secondary'), { ...ready('c', { role: 'secondary' }), deleting: true }],
    phase: 'Ready',
    reason: 'Ready',
    message: '2 replica(s) ready, primary on a',
  },
  {
    name: "Deleting: forced, with the agents' answers",
    replicas: [ready('a', { deleting: true })],
    input: { forced: 'Deleting', problem: { reason: 'DeletingReplicas', message: 'waiting for the agents to confirm removal: a' } },
    phase: 'Deleting',
    reason: 'DeletingReplicas',
    message: 'waiting for the agents to confirm removal: a',
  },
  {
    name: 'Deleting: forced without a problem',
    replicas: [],
    input: { forced: 'Deleting' },
    phase: 'Deleting',
    reason: 'Deleting',
    message: 'Deleting',
  },
  {
    name: 'forced with a problem wins over what the replicas say',
    replicas: [ready('a')],
    input: { forced: 'Migrating', problem: { reason: 'MigrationFailed', message: 'copy from a to b failed' } },
    phase: 'Migrating',
    reason: 'MigrationFailed',
    message: 'copy from a to b failed',
  },
];

for (const row of TABLE) {
  test(`phase: ${row.name}`, () => {
    const got = deriveVolumeStatus({
      volume: row.volume ?? volume(),
      replicas: row.replicas.map(replica),
      excluded: new Set(),
      ...row.input,
    });
    assert.equal([got.phase, got.reason, got.message], [row.phase, row.reason, row.message]);
  });
}

test('every phase the API knows is reached by a row', () => {
  const phases = new Set(TABLE.map((r) => r.phase));
  for (const p of VOLUME_PHASES) assert.ok(phases.has(p), p);
});

test('capacity, primary node and the replica summary come from the live replicas', () => {
  const got = deriveVolumeStatus({
    volume: volume(2),
    replicas: [
      inSync('a', 'primary'),
      { ...inSync('b', 'secondary'), capacity: '12Gi' },
      { ...ready('c', { role: 'secondary' }), deleting: true },
    ].map(replica),
    excluded: new Set(),
  });
  assert.is(got.capacity, '10Gi');
  assert.is(got.primaryNode, 'a');
  assert.equal(got.replicas, [
    { name: 'pvc-1-a', node: 'a', pool: 'nvme', role: 'primary', state: 'Ready', syncPercent: 100 },
    { name: 'pvc-1-b', node: 'b', pool: 'nvme', role: 'secondary', state: 'Ready', syncPercent: 100 },
  ]);
});

test('a replica on a leaving node does not count toward capacity; no primary, no primaryNode', () => {
  const got = deriveVolumeStatus({
    volume: volume(1),
    replicas: [ready('a', { role: 'secondary', capacity: '5Gi' }), ready('b', { role: 'secondary' })].map(replica),
    excluded: new Set(['a']),
  });
  assert.is(got.capacity, '10Gi');
  assert.is(got.primaryNode, undefined);
  assert.ok(!('primaryNode' in got));
});

test('no Ready replica reports a capacity: none is given', () => {
  const got = deriveVolumeStatus({ volume: volume(), replicas: [replica({ node: 'a', state: 'Creating' })], excluded: new Set() });
  assert.ok(!('capacity' in got));
  assert.equal(
    got.replicas.map((r) => r.state),
    ['Creating'],
  );
});

test.run();
