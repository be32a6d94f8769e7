import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CallScope } from '../../src/agent-api/call-scope.ts';
import { SerialQueue } from '../../src/agent/serial-queue.ts';
import { AgentError } from '../../src/agent-api/errors.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('SerialQueue runs tasks one at a time in arrival order, a failure does not block the rest', async () => {
  const q = new SerialQueue();
  const log: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const task = (name: string, ms: number, fail = false) => q.run(undefined, async () => {
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
  assert.equal(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
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

test.run();
