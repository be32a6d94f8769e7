import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findCondition, mergePatch, readyCondition, setCondition } from '../../src/operator/runtime/status.ts';
import { backoffDelay } from '../../src/operator/runtime/backoff.ts';

const t1 = new Date('2026-01-01T00:00:00.000Z');
const t2 = new Date('2026-01-01T01:00:00.000Z');

test('setCondition adds a condition with a transition time in RFC 3339 seconds', () => {
  const list = setCondition(undefined, readyCondition(false, 'AgentUnreachable', 'node-a: connect ECONNREFUSED'), t1);
  assert.equal(list, [
    {
      type: 'Ready',
      status: 'False',
      reason: 'AgentUnreachable',
      message: 'node-a: connect ECONNREFUSED',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    },
  ]);
});

test('same status keeps lastTransitionTime, even when reason or message change', () => {
  const a = setCondition(undefined, readyCondition(false, 'Creating', 'lvcreate running'), t1);
  const b = setCondition(a, readyCondition(false, 'AgentUnreachable', 'node-a down'), t2);
  assert.is(b[0]!.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.is(b[0]!.reason, 'AgentUnreachable');
  assert.equal(setCondition(b, readyCondition(false, 'AgentUnreachable', 'node-a down'), t2), b, 'identical input, identical output');
});

test('a status flip moves lastTransitionTime; other conditions are untouched; input not mutated', () => {
  const a = setCondition(
    setCondition(undefined, { type: 'Synced', status: 'True', reason: 'Ok', message: '' }, t1),
    readyCondition(false, 'Creating', ''),
    t1,
  );
  const frozen = JSON.stringify(a);
  const b = setCondition(a, readyCondition(true, 'Ready', 'all replicas in sync', 3), t2);
  assert.is(JSON.stringify(a), frozen);
  assert.is(findCondition(b, 'Ready')!.lastTransitionTime, '2026-01-01T01:00:00Z');
  assert.is(findCondition(b, 'Ready')!.observedGeneration, 3);
  assert.equal(findCondition(b, 'Synced'), a[0]);
  assert.is(b.length, 2);
});

test('jittered backoff stays within [delay·(1-jitter), delay] and never above the cap', () => {
  const opts = { baseMs: 100, capMs: 5_000, jitter: 0.5 };
  for (let attempt = 0; attempt < 40; attempt++) {
    const full = Math.min(5_000, 100 * 2 ** attempt);
    assert.is(
      backoffDelay(attempt, opts, () => 0),
      full,
    );
    assert.is(
      backoffDelay(attempt, opts, () => 0.999999),
      full * (1 - 0.5 * 0.999999),
    );
    for (let i = 0; i < 20; i++) {
      const d = backoffDelay(attempt, opts);
      assert.ok(d >= full * 0.5 && d <= full && d <= 5_000, `attempt ${attempt}: ${d}`);
    }
  }
  assert.is(
    backoffDelay(5000, opts, () => 0),
    5_000,
    'huge attempts stay at the cap',
  );
});

test('backoff refuses nonsense options', () => {
  assert.throws(() => backoffDelay(0, { baseMs: 0 }), /0 < baseMs/);
  assert.throws(() => backoffDelay(0, { baseMs: 10, capMs: 5 }), /baseMs <= capMs/);
  assert.throws(() => backoffDelay(0, { jitter: 2 }), /jitter must be within/);
});

test('mergePatch: only what differs, null for what went, arrays whole, nothing when equal', () => {
  assert.is(mergePatch({ a: 1, b: { c: 2 } }, { a: 1, b: { c: 2 } }), undefined);
  assert.equal(mergePatch({ a: 1, b: { c: 2, d: 3 }, gone: 'x' }, { a: 2, b: { c: 2 } }), { a: 2, b: { d: null }, gone: null });
  assert.equal(mergePatch({ list: [1, 2] }, { list: [1] }), { list: [1] });
  assert.equal(mergePatch({}, { phase: 'Ready', n: { x: 1 } }), { phase: 'Ready', n: { x: 1 } });
});

test.run();
