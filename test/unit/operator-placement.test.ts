import { test } from 'uvu';
import { CapacityLedger } from '../../src/operator/pools/capacity-ledger.ts';
import * as assert from 'uvu/assert';
import { placeReplicas, type PlacementInput } from '../../src/operator/volumes/placement.ts';
import { assignNodeIds } from '../../src/operator/volumes/replication-ids.ts';
import { evictingIndex } from '../../src/operator/volumes/localvolume-reconciler.ts';

const GiB = 1024n ** 3n;
const pool = (name: string, nodes: [string, number, boolean?][]) => ({
  pool: name,
  nodes: nodes.map(([node, gib, ready]) => ({ node, allocatable: BigInt(gib) * GiB, ready: ready ?? true })),
});
const input = (over: Partial<PlacementInput>): PlacementInput => ({
  size: 10n * GiB,
  replicas: 1,
  pool: pool('nvme', [
    ['a', 50],
    ['b', 80],
    ['c', 20],
  ]),
  preferred: [],
  occupied: [],
  kept: 0,
  hasPrimary: false,
  excluded: new Set(),
  ...over,
});

test('the primary goes to the requested node; further replicas to the nodes with the most room', () => {
  const plan = placeReplicas(input({ replicas: 3, preferred: ['c'] }));
  assert.equal(plan.add, [
    { node: 'c', pool: 'nvme', role: 'primary' },
    { node: 'b', pool: 'nvme', role: 'secondary' },
    { node: 'a', pool: 'nvme', role: 'secondary' },
  ]);
  assert.is(plan.shortfall, undefined);
});

test('without a requested node the primary takes the roomiest ready node', () => {
  const plan = placeReplicas(
    input({
      pool: pool('nvme', [
        ['a', 50],
        ['b', 80, false],
        ['c', 20],
      ]),
    }),
  );
  assert.equal(
    plan.add.map((p) => p.node),
    ['a'],
  );
});

test('equal room: the first node name by code unit wins, whatever the locale would say', () => {
  // A locale puts "node-a" before "node-B" (case second); code units put "B" (0x42) before "a" (0x61).
  const plan = placeReplicas(
    input({
      pool: pool('nvme', [
        ['node-a', 50],
        ['node-B', 50],
      ]),
    }),
  );
  assert.equal(
    plan.add.map((p) => p.node),
    ['node-B'],
  );
});

test('secondaries go to replicaPool when set', () => {
  const plan = placeReplicas(
    input({
      replicas: 2,
      preferred: ['a'],
      replicaPool: pool('hdd', [
        ['a', 500],
        ['x', 100],
        ['y', 300],
      ]),
    }),
  );
  assert.equal(plan.add, [
    { node: 'a', pool: 'nvme', role: 'primary' },
    { node: 'y', pool: 'hdd', role: 'secondary' },
  ]);
});

test('never two replicas on one node, never an evicted node', () => {
  const plan = placeReplicas(input({ replicas: 3, occupied: ['b'], kept: 1, hasPrimary: true, excluded: new Set(['a']) }));
  assert.equal(
    plan.add.map((p) => p.node),
    ['c'],
  );
  assert.is(plan.shortfall!.reason, 'NotEnoughNodes');
});

test('not enough room: InsufficientCapacity names the pool, the size and the biggest free space', () => {
  const plan = placeReplicas(input({ size: 100n * GiB }));
  assert.equal(plan.add, []);
  assert.is(plan.shortfall!.reason, 'InsufficientCapacity');
  assert.match(plan.shortfall!.message, /pool nvme has no node with 100Gi allocatable .* the most is 80Gi on node b/);
});

test('a requested node that is full or not ready is refused, naming it', () => {
  assert.match(
    placeReplicas(input({ size: 30n * GiB, preferred: ['c'] })).shortfall!.message,
    /on node c has 20Gi allocatable, the volume needs 30Gi/,
  );
  assert.is(placeReplicas(input({ preferred: ['zz'] })).shortfall!.reason, 'NodeUnavailable');
});

test('an evicted single replica is replaced on another node', () => {
  const plan = placeReplicas(input({ preferred: ['a'], occupied: ['a'], kept: 0, excluded: new Set(['a']) }));
  assert.equal(
    plan.add.map((p) => p.node),
    ['b'],
  );
});

test('DRBD node ids: kept when set, the primary first, the lowest free otherwise', () => {
  const ids = assignNodeIds([
    { name: 's2', role: 'secondary' },
    { name: 'p', role: 'primary' },
    { name: 's1', role: 'secondary', nodeId: 0 },
  ]);
  assert.equal([...ids.entries()].sort(), [
    ['p', 1],
    ['s1', 0],
    ['s2', 2],
  ]);
});

test('nodes labelled storage.stratum.dev/evict=true are indexed as evicting, others not', () => {
  assert.equal(evictingIndex({ metadata: { name: 'a', labels: { 'storage.stratum.dev/evict': 'true' } } }), ['true']);
  assert.equal(evictingIndex({ metadata: { name: 'b', labels: { 'storage.stratum.dev/evict': 'false' } } }), []);
  assert.equal(evictingIndex({ metadata: { name: 'c' } }), []);
});

test('ledger: a placed replica counts against its node until a report read after it was made', () => {
  const ledger = new CapacityLedger();
  const report = { free: 100n, allocatable: 90n, thin: false, wholeDisks: false };
  assert.is(ledger.now('p', 'a'), undefined, 'no report yet');
  ledger.reserve('v1-a', 'p', 'a', 5n);
  ledger.reserve('v2-a', 'p', 'a', 3n);
  ledger.reserve('v3-b', 'p', 'b', 7n);
  assert.is(ledger.pending('p', 'a'), 8n);
  assert.is(ledger.pending('q', 'a'), 0n, 'another pool');
  ledger.reported('p', 'a', 1_000, report);
  assert.is(ledger.pending('p', 'a'), 8n, 'not made yet: no report shows them');
  ledger.made('v1-a', 2_000);
  ledger.reported('p', 'a', 1_500, report);
  assert.is(ledger.pending('p', 'a'), 8n, 'a report read before v1-a was made does not show it');
  assert.equal(ledger.now('p', 'a'), { free: 95n, allocatable: 82n }, 'made: less free; placed: less allocatable');
  ledger.reported('p', 'a', 2_500, report);
  assert.is(ledger.pending('p', 'a'), 3n);
  assert.equal(ledger.now('p', 'a'), { free: 100n, allocatable: 87n }, 'the new report shows v1-a');
  ledger.release('v2-a');
  assert.is(ledger.pending('p', 'a'), 0n, 'released: never made');
  assert.is(ledger.pending('p', 'b'), 7n, 'other nodes untouched');
});

test('ledger: a volume removed from a thick LVM pool is free at once, until a report read after the removal shows it', () => {
  const ledger = new CapacityLedger();
  const freed: string[] = [];
  const subscription = ledger.reread$.subscribe((pool) => freed.push(pool));
  ledger.reported('p', 'a', 1_000, { free: 50n, allocatable: 40n, thin: false, wholeDisks: false });
  ledger.removed('old-a', 'p', 'a', 10n, 2_000);
  assert.equal(ledger.now('p', 'a'), { free: 60n, allocatable: 50n }, 'the removed volume counts as free');
  ledger.reported('p', 'a', 1_500, { free: 50n, allocatable: 40n, thin: false, wholeDisks: false });
  assert.equal(ledger.now('p', 'a'), { free: 60n, allocatable: 50n }, 'a report read before the removal still counts it');
  ledger.reported('p', 'a', 2_500, { free: 60n, allocatable: 50n, thin: false, wholeDisks: false });
  assert.equal(ledger.now('p', 'a'), { free: 60n, allocatable: 50n }, 'the new report shows it: not added twice');

  ledger.reserve('new-a', 'p', 'a', 5n);
  ledger.made('new-a', 3_000);
  ledger.removed('new-a', 'p', 'a', 5n, 3_500);
  assert.equal(ledger.now('p', 'a'), { free: 60n, allocatable: 50n }, 'made and removed between two reports: no report counted it');
  assert.is(ledger.pending('p', 'a'), 0n);
  assert.equal(freed, [], 'nothing to read again');

  ledger.reported('thin', 'a', 1_000, { free: 50n, allocatable: 40n, thin: true, wholeDisks: false });
  ledger.reported('disks', 'a', 1_000, { free: 50n, allocatable: 40n, thin: false, wholeDisks: true });
  for (const pool of ['thin', 'disks', 'unreported']) ledger.removed(`v-${pool}`, pool, 'a', 10n, 2_000);
  assert.equal(freed, ['thin', 'disks', 'unreported'], 'what the ledger cannot add back is read again');
  assert.equal(ledger.now('disks', 'a'), { free: 50n, allocatable: 40n });
  subscription.unsubscribe();
});

test('ledger: a volume an agent turned down for want of space fits nowhere that small on its node until a report read after; the pool is read again', () => {
  const ledger = new CapacityLedger();
  const reread: string[] = [];
  const subscription = ledger.reread$.subscribe((pool) => reread.push(pool));
  const report = { free: 100n, allocatable: 100n, thin: false, wholeDisks: false };
  ledger.reported('p', 'a', 1_000, report);
  ledger.refused('p', 'a', 64n, 2_000);
  assert.equal(ledger.now('p', 'a'), { free: 100n, allocatable: 63n }, 'the ledger thought 64 fit; the agent knows better');
  assert.equal(reread, ['p']);
  ledger.refused('p', 'a', 80n, 2_100);
  assert.is(ledger.now('p', 'a')!.allocatable, 63n, 'the smallest refusal counts');
  ledger.reported('p', 'a', 1_500, report);
  assert.is(ledger.now('p', 'a')!.allocatable, 63n, 'a report read before the refusal does not lift it');
  ledger.reported('p', 'a', 2_500, { ...report, free: 60n, allocatable: 60n });
  assert.equal(ledger.now('p', 'a'), { free: 60n, allocatable: 60n }, 'the new report tells');
  ledger.refused('p', 'a', 200n, 3_000);
  assert.is(ledger.now('p', 'a')!.allocatable, 60n, 'a refusal never raises what fits');
  subscription.unsubscribe();
});

test.run();
