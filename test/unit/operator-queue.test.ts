import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WorkQueue } from '../../src/operator/runtime/queue.ts';
import { OperatorMetrics } from '../../src/operator/runtime/metrics.ts';

const queues: WorkQueue[] = [];
const newQueue = (backoff?: { baseMs: number; capMs: number }) => {
  const q = new WorkQueue({ name: 'test', backoff, metrics: new OperatorMetrics() });
  queues.push(q);
  return q;
};
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
test.after(async () => {
  await Promise.all(queues.map((q) => q.shutdown({ drain: false, timeoutMs: 100 })));
});

test('a key added many times while waiting is processed once', async () => {
  const q = newQueue();
  for (let i = 0; i < 5; i++) q.add('a');
  q.add('b');
  assert.is(q.length, 2);
  assert.is(await q.get(), 'a');
  assert.is(await q.get(), 'b');
  assert.is(q.length, 0);
});

test('a key re-added while processing waits, then runs once; never two workers on one key', async () => {
  const q = newQueue();
  let running = 0;
  let maxConcurrent = 0;
  let runs = 0;
  q.add('k');
  const workers = q.process(4, async (key) => {
    assert.is(key, 'k');
    running++;
    maxConcurrent = Math.max(maxConcurrent, running);
    runs++;
    if (runs === 1) for (let i = 0; i < 10; i++) q.add('k');
    await tick(20);
    running--;
  });
  await tick(100);
  assert.is(maxConcurrent, 1);
  assert.is(runs, 2, 'ten re-adds during the first run fold into one more run');
  await q.shutdown();
  await workers;
});

test('the number of workers bounds concurrency across keys', async () => {
  const q = newQueue();
  let running = 0;
  let maxConcurrent = 0;
  for (let i = 0; i < 10; i++) q.add(`k${i}`);
  const workers = q.process(3, async () => {
    running++;
    maxConcurrent = Math.max(maxConcurrent, running);
    await tick(10);
    running--;
  });
  await tick(80);
  assert.is(maxConcurrent, 3);
  assert.ok(await q.shutdown({ timeoutMs: 1000 }));
  await workers;
});

test('failures back off exponentially up to the cap; forget resets', () => {
  const q = newQueue({ baseMs: 10, capMs: 100 });
  const delays = Array.from({ length: 7 }, () => q.addRateLimited('x'));
  assert.equal(delays, [10, 20, 40, 80, 100, 100, 100]);
  assert.is(q.retries('x'), 7);
  q.forget('x');
  assert.is(q.retries('x'), 0);
  assert.is(q.addRateLimited('x'), 10);
  assert.is(q.addRateLimited('other'), 10, 'backoff is per key');
});

test('a rate-limited key comes back only after its delay', async () => {
  const q = newQueue({ baseMs: 60, capMs: 1000 });
  const t0 = Date.now();
  q.addRateLimited('x');
  assert.is(q.length, 0);
  assert.is(await q.get(), 'x');
  assert.ok(Date.now() - t0 >= 55, `came back after ${Date.now() - t0} ms`);
});

test('addAfter delays a key; with two pending, the earlier wins, and it is added once', async () => {
  const q = newQueue();
  q.addAfter('a', 200);
  q.addAfter('a', 30);
  q.addAfter('a', 100);
  await tick(10);
  assert.is(q.length, 0);
  await tick(60);
  assert.is(q.length, 1);
  assert.is(await q.get(), 'a');
  q.done('a');
  await tick(250);
  assert.is(q.length, 0, 'the later schedules were replaced, not kept');
});

test('shutdown with drain finishes waiting keys; get() then returns undefined', async () => {
  const q = newQueue();
  const seen: string[] = [];
  for (const k of ['a', 'b', 'c']) q.add(k);
  q.addAfter('late', 50);
  const done = q.shutdown({ drain: true, timeoutMs: 1000 });
  q.add('refused');
  await q.process(1, async (k) => {
    seen.push(k);
  });
  assert.ok(await done);
  assert.equal(seen, ['a', 'b', 'c']);
  assert.is(await q.get(), undefined);
});

test('shutdown without drain drops waiting keys and stops in bounded time', async () => {
  const q = newQueue();
  const seen: string[] = [];
  for (const k of ['a', 'b', 'c']) q.add(k);
  const workers = q.process(1, async (k) => {
    seen.push(k);
    await tick(30);
  });
  await tick(5);
  const t0 = Date.now();
  assert.ok(await q.shutdown({ drain: false, timeoutMs: 1000 }));
  assert.ok(Date.now() - t0 < 200);
  await workers;
  assert.equal(seen, ['a']);
});

test('shutdown reports false when a worker outlives the timeout', async () => {
  const q = newQueue();
  q.add('slow');
  let release!: () => void;
  const workers = q.process(1, () => new Promise<void>((r) => (release = r)));
  await tick(5);
  assert.is(await q.shutdown({ timeoutMs: 50 }), false);
  release();
  await workers;
});

test('a rejecting handler requeues its key with backoff', async () => {
  const q = newQueue({ baseMs: 10, capMs: 10 });
  let calls = 0;
  q.add('x');
  const workers = q.process(1, async () => {
    calls++;
    if (calls < 3) throw new Error('boom');
  });
  await tick(100);
  assert.is(calls, 3);
  assert.is(q.retries('x'), 2);
  await q.shutdown();
  await workers;
});

test('metrics count adds, depth and retries', async () => {
  const metrics = new OperatorMetrics();
  const q = new WorkQueue({ name: 'm', metrics });
  queues.push(q);
  q.add('a');
  q.add('a');
  q.add('b');
  q.addRateLimited('c');
  const text = await metrics.registry.metrics();
  assert.match(text, /stratum_workqueue_adds_total\{name="m"\} 2/);
  assert.match(text, /stratum_workqueue_depth\{name="m"\} 2/);
  assert.match(text, /stratum_workqueue_retries_total\{name="m"\} 1/);
});

test.run();
