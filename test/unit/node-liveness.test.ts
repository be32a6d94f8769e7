// When a replica's node stops counting: a deleted Node at once, an agent that does not answer only
// after the grace period (counted from when this operator first saw it unreachable), and an agent
// that answers again resets the clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NodeLiveness } from '../../src/operator/volumes/node-liveness.ts';

function setup() {
  let now = Date.parse('2026-12-03T12:00:00Z');
  const nodes = new Set(['a', 'b']);
  const connected = new Map([
    ['a', true],
    ['b', true],
  ]);
  const liveness = new NodeLiveness({
    nodes: { get: (n: string) => (nodes.has(n) ? { metadata: { name: n } } : undefined) },
    agent: (n) => ({ connected: connected.get(n) ?? false, message: 'WatchDisks: Connection dropped' }),
    graceMs: 60_000,
    now: () => now,
  });
  return { liveness, nodes, connected, advance: (ms: number) => (now += ms) };
}

test('a node whose agent answers counts', () => {
  assert.equal(setup().liveness.verdict('a'), { alive: true });
});

test('a deleted Node is gone at once, whatever its agent does', () => {
  const s = setup();
  s.nodes.delete('a');
  assert.equal(s.liveness.verdict('a'), {
    alive: false,
    reason: 'NodeDeleted',
    message: 'node a was deleted: the data on it is out of reach for good',
  });
});

test('an unreachable agent: wait out the grace period, then NodeLost naming since when and why', () => {
  const s = setup();
  s.connected.set('b', false);
  assert.equal(s.liveness.verdict('b'), { alive: false, waitMs: 60_000 });
  s.advance(45_000);
  assert.equal(s.liveness.verdict('b'), { alive: false, waitMs: 15_000 }, 'counted from the first sighting');
  s.advance(15_000);
  assert.equal(s.liveness.verdict('b'), {
    alive: false,
    reason: 'NodeLost',
    message:
      'the agent on node b has not answered since 2026-12-03T12:00:00.000Z (WatchDisks: Connection dropped), longer than the 60 s grace period',
  });
});

test('an agent that answers again resets the clock', () => {
  const s = setup();
  s.connected.set('b', false);
  s.liveness.verdict('b');
  s.advance(59_000);
  s.connected.set('b', true);
  assert.equal(s.liveness.verdict('b'), { alive: true });
  s.connected.set('b', false);
  assert.equal(s.liveness.verdict('b'), { alive: false, waitMs: 60_000 });
});

test.run();
