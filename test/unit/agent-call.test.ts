import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CallScope } from '../../src/agent-api/call-scope.ts';
import { KeyedSerialQueue, SerialQueue } from '../../src/agent/serial-queue.ts';
import { AgentError } from '../../src/agent-api/errors.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('SerialQueue runs tasks one at a time in arrival order, a failure does not block the rest', async () => {
  const q = new SerialQueue();
  const log: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const task = (name: string, ms: number, fail = false) =>
    q.run(undefined, async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      log.push(`start ${name}`);
      await sleep(ms);
      running--;
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    });
  const results = await Promise.allSettled([task('a', 20), task('b', 5, true), task('c', 1)]);
  assert.is(maxRunning, 1);
  assert.equal(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.equal(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.is(q.length, 0);
});

test('SerialQueue does not start a task whose call is past its deadline when its turn comes', async () => {
  const q = new SerialQueue();
  let ran = false;
  const blocker = q.run(undefined, () => sleep(60));
  const late = q.run(new CallScope(Date.now() + 10, 'test'), async () => {
    ran = true;
  });
  await blocker;
  try {
    await late;
    assert.unreachable();
  } catch (err) {
    assert.instance(err, AgentError);
    assert.is((err as AgentError).kind, 'DeadlineExceeded');
  }
  assert.not.ok(ran);
});

test('CallScope: command timeouts follow the deadline, capped; abort signal at the deadline', async () => {
  const scope = new CallScope(new Date(Date.now() + 200), 'node-a: CreateVolume');
  const t = scope.commandTimeout(60_000);
  assert.ok(t > 100 && t <= 200, String(t));
  assert.is(scope.commandTimeout(50), 50);
  await sleep(250);
  assert.ok(scope.signal.aborted);
  assert.throws(() => scope.check(), /node-a: CreateVolume: cancelled or past its deadline/);
  assert.throws(() => scope.commandTimeout(), /past its deadline/);
});

test('CallScope: no deadline (Infinity) gets the default budget; abort() cancels', () => {
  const scope = new CallScope(Infinity, 'x', 5_000);
  assert.ok(scope.remainingMs() > 4_000 && scope.remainingMs() <= 5_000);
  scope.abort(new Error('client went away'));
  assert.ok(scope.signal.aborted);
  assert.throws(() => scope.check());
  scope.done();
});

test('KeyedSerialQueue: one key takes turns, other keys run alongside, an idle key is dropped', async () => {
  const q = new KeyedSerialQueue();
  const log: string[] = [];
  const task = (key: string, name: string, ms: number, fail = false) =>
    q.run(key, undefined, async () => {
      log.push(`start ${name}`);
      await sleep(ms);
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
    });
  const all = Promise.allSettled([task('v1', 'a', 30, true), task('v1', 'b', 1), task('v2', 'c', 5)]);
  assert.is(q.size, 2);
  await all;
  assert.equal(log, ['start a', 'start c', 'end c', 'end a', 'start b', 'end b']);
  await sleep(0);
  assert.is(q.size, 0);
});

test.run();
