import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject } from 'rxjs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Controller, TerminalError, ownerKeys, type ReconcileResult } from '../../src/operator/runtime/controller.ts';
import { Informer } from '../../src/operator/runtime/kube/informer.ts';
import type { WatchEvent } from '../../src/operator/runtime/kube/store.ts';
import type { KubeObject } from '../../src/operator/runtime/kube/client.ts';
import { OperatorMetrics } from '../../src/operator/runtime/metrics.ts';
import { startHealthServer } from '../../src/operator/runtime/health.ts';

const obj = (name: string, rv = '1', namespace = 'ns', owners: string[] = []): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Thing',
  metadata: {
    name,
    namespace,
    resourceVersion: rv,
    ownerReferences: owners.map((o) => ({ apiVersion: 'v1', kind: 'Owner', name: o, uid: o })),
  },
});
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
const controllers: Controller<KubeObject>[] = [];

function setup(
  reconcile: (key: string) => Promise<ReconcileResult>,
  opts: { backoff?: { baseMs: number; capMs: number }; syncTimeoutMs?: number } = {},
) {
  const source = new Subject<WatchEvent<KubeObject>>();
  const informer = new Informer<KubeObject>(source);
  const metrics = new OperatorMetrics();
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(String(chunk))), cb()) }));
  const controller = new Controller<KubeObject>({ kind: 'Thing', informer, reconcile: (key) => reconcile(key), metrics, log, ...opts });
  controllers.push(controller);
  return { source, informer, metrics, lines, controller };
}

test.after.each(async () => {
  await Promise.all(controllers.splice(0).map((c) => c.stop(1_000)));
});

test('no reconcile before the caches sync; then every object is reconciled once', async () => {
  const calls: string[] = [];
  const { source, controller } = setup(async (key) => void calls.push(key));
  const started = controller.start();
  source.next({ type: 'ADDED', object: obj('a') });
  source.next({ type: 'ADDED', object: obj('b') });
  source.next({ type: 'MODIFIED', object: obj('a', '2') });
  await tick(20);
  assert.equal(calls, []);
  source.next({ type: 'SYNCED' });
  await started;
  await tick(20);
  assert.equal(calls.sort(), ['ns/a', 'ns/b']);
});

test('start fails when the caches do not sync in time', async () => {
  const { controller } = setup(async () => undefined, { syncTimeoutMs: 30 });
  await controller.start().then(
    () => assert.unreachable('started'),
    (err: Error) => assert.match(err.message, /caches not synced within 30 ms/),
  );
});

test('requeueAfter brings the key back after the delay, with no backoff counted', async () => {
  const times: number[] = [];
  const { source, controller, metrics } = setup(async () => {
    times.push(Date.now());
    return times.length < 3 ? { requeueAfter: 50 } : undefined;
  });
  const started = controller.start();
  source.next({ type: 'ADDED', object: obj('a') });
  source.next({ type: 'SYNCED' });
  await started;
  await tick(250);
  assert.is(times.length, 3);
  assert.ok(times[1]! - times[0]! >= 45 && times[2]! - times[1]! >= 45, `gaps ${times[1]! - times[0]!}, ${times[2]! - times[1]!}`);
  assert.is(controller.queue.retries('ns/a'), 0);
  const text = await metrics.registry.metrics();
  assert.match(text, /stratum_reconcile_total\{kind="Thing",result="requeue_after"\} 2/);
  assert.match(text, /stratum_reconcile_total\{kind="Thing",result="success"\} 1/);
});

test('errors retry with growing backoff, success forgets; a terminal error is not retried', async () => {
  const times: number[] = [];
  let fails = 3;
  const { source, controller, metrics, lines } = setup(
    async (key) => {
      if (key === 'ns/t') throw new TerminalError('spec.size is negative');
      times.push(Date.now());
      if (fails-- > 0) throw new Error('agent unreachable');
    },
    { backoff: { baseMs: 20, capMs: 1_000 } },
  );
  const started = controller.start();
  source.next({ type: 'ADDED', object: obj('a') });
  source.next({ type: 'ADDED', object: obj('t') });
  source.next({ type: 'SYNCED' });
  await started;
  await waitUntil(() => times.length === 4, 2_000);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  assert.ok(gaps[0]! >= 18 && gaps[1]! >= 38 && gaps[2]! >= 78, `backoff gaps ${gaps.join(', ')} ms`);
  assert.is(controller.queue.retries('ns/a'), 0, 'forgotten after success');
  await tick(100);
  const text = await metrics.registry.metrics();
  assert.match(text, /stratum_reconcile_total\{kind="Thing",result="error"\} 3/);
  assert.match(text, /stratum_reconcile_total\{kind="Thing",result="terminal_error"\} 1/);
  assert.match(text, /stratum_reconcile_errors_total\{kind="Thing"\} 4/);
  assert.match(text, /stratum_reconcile_duration_seconds_count\{kind="Thing"\} 5/);
  const terminal = lines.filter((l) => l.msg === 'reconcile failed: not retrying');
  assert.is(terminal.length, 1);
  assert.is(terminal[0]!.key, 'ns/t');
});

test('a reconciler that crashes (TypeError, a thrown string) is recovered into a retry', async () => {
  let calls = 0;
  const { source, controller, lines } = setup(
    async () => {
      calls++;
      if (calls === 1) (undefined as unknown as { x: number }).x;
      if (calls === 2) throw 'not an error';
    },
    { backoff: { baseMs: 5, capMs: 5 } },
  );
  const started = controller.start();
  source.next({ type: 'ADDED', object: obj('a') });
  source.next({ type: 'SYNCED' });
  await started;
  await waitUntil(() => calls === 3, 1_000);
  const errors = lines.filter((l) => l.msg === 'reconcile failed: retrying');
  assert.is(errors.length, 2);
  assert.match(String((errors[1]!.err as { message: string }).message), /threw a non-error: not an error/);
});

test('every reconcile logs with its own reconcile id and the key', async () => {
  const { source, controller, lines } = setup(
    async () => {
      throw new Error('x');
    },
    { backoff: { baseMs: 5, capMs: 5 } },
  );
  const started = controller.start();
  source.next({ type: 'ADDED', object: obj('a') });
  source.next({ type: 'SYNCED' });
  await started;
  await waitUntil(() => lines.filter((l) => l.reconcileId).length >= 2, 1_000);
  const ids = lines.filter((l) => l.reconcileId).map((l) => l.reconcileId);
  assert.is(new Set(ids).size, ids.length);
  assert.ok(lines.filter((l) => l.reconcileId).every((l) => l.key === 'ns/a' && l.controller === 'Thing'));
});

test('secondary objects requeue their owners (old and new owner on a move)', async () => {
  const calls: string[] = [];
  const { source, controller } = setup(async (key) => void calls.push(key));
  const secondary = new Subject<WatchEvent<KubeObject>>();
  const secInformer = new Informer<KubeObject>(secondary);
  const ctl = new Controller<KubeObject>({
    kind: 'Owner',
    informer: new Informer<KubeObject>(source),
    reconcile: async (key) => void calls.push(key),
    secondaries: [{ informer: secInformer, map: ownerKeys('Owner') }],
    metrics: new OperatorMetrics(),
    log: pino({ level: 'silent' }),
  });
  controllers.push(ctl);
  void controller;
  const started = ctl.start();
  source.next({ type: 'SYNCED' });
  secondary.next({ type: 'SYNCED' });
  await started;
  secondary.next({ type: 'ADDED', object: obj('child', '1', 'ns', ['o1']) });
  await tick(20);
  secondary.next({ type: 'MODIFIED', object: obj('child', '2', 'ns', ['o2']) });
  await tick(20);
  assert.equal(calls, ['ns/o1', 'ns/o1', 'ns/o2']);
  assert.equal(
    ownerKeys('Owner')({
      metadata: {
        name: 'c',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Other', name: 'x', uid: 'x' },
          { apiVersion: 'v1', kind: 'Owner', name: 'p', uid: 'p' },
        ],
      },
    }),
    ['p'],
  );
});

test('health server: /healthz always, /readyz once synced, /metrics with stratum_ metrics', async () => {
  const source = new Subject<WatchEvent<KubeObject>>();
  const informer = new Informer<KubeObject>(source);
  informer.start();
  const metrics = new OperatorMetrics();
  metrics.watchRestarts.inc({ resource: 'configmaps' });
  const server = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    registry: metrics.registry,
    readyChecks: [() => informer.hasSynced()],
  });
  try {
    const base = `http://127.0.0.1:${server.address.port}`;
    assert.is((await fetch(`${base}/healthz`)).status, 200);
    assert.is((await fetch(`${base}/readyz`)).status, 503);
    source.next({ type: 'SYNCED' });
    assert.is((await fetch(`${base}/readyz`)).status, 200);
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /stratum_watch_restarts_total\{resource="configmaps"\} 1/);
    assert.ok(
      text
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .every((l) => l.startsWith('stratum_')),
      'every metric is prefixed stratum_',
    );
    assert.is((await fetch(`${base}/nope`)).status, 404);
  } finally {
    await server.close();
    informer.stop();
  }
});

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await tick(5);
  }
}

test.run();
