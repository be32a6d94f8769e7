// A controller on a real API server: informer → queue → reconcile → status through the status
// subresource only when it changed; finalizer patches with a resourceVersion precondition;
// Events with count bumps.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pino } from 'pino';
import type { Subscription } from 'rxjs';
import { KubeClient, isConflict, resourcePath, type KubeObject, type ResourceType } from '../../src/operator/runtime/kube/client.ts';
import { Informer } from '../../src/operator/runtime/kube/informer.ts';
import { watchResource } from '../../src/operator/runtime/kube/watch.ts';
import { Controller } from '../../src/operator/runtime/controller.ts';
import {
  addFinalizer,
  removeFinalizer,
  readyCondition,
  setCondition,
  updateStatusIfChanged,
  type StatusWithConditions,
} from '../../src/operator/runtime/status.ts';
import { EventRecorder } from '../../src/operator/runtime/events.ts';
import { OperatorMetrics } from '../../src/operator/runtime/metrics.ts';
import { createLogger } from '../../src/common/log.ts';
import { connectToSharedControlPlane } from '../rig/connect.ts';
import { createNamespace, createTestCrd, deleteNamespace, deleteTestCrd, sleep, waitFor } from './support.ts';

interface Widget extends KubeObject {
  spec: { size: number };
  status?: StatusWithConditions & { phase?: string; size?: number };
}

const rig = connectToSharedControlPlane();
const admin = new KubeClient(rig.kubeConfig());
const operatorClient = new KubeClient(rig.kubeConfig());
const watcherClient = new KubeClient(rig.kubeConfig());
const subscriptions: Subscription[] = [];
const controllers: Controller<Widget>[] = [];
const informers: Informer<Widget>[] = [];
let widgets: ResourceType;
let ns = '';

const createWidget = (name: string, size: number) =>
  admin.request<Widget>('POST', resourcePath(widgets, ns), {
    body: { apiVersion: widgets.apiVersion, kind: widgets.kind, metadata: { name }, spec: { size } },
  });
const getWidget = (name: string) => admin.request<Widget>('GET', resourcePath(widgets, ns, name));

/** Counts writes to one object by the resourceVersion changes a separate watch sees. */
function countWrites(name: string): { readonly count: number } {
  const counter = { count: 0 };
  subscriptions.push(
    watchResource<Widget>(watcherClient, widgets, { namespace: ns }).subscribe((ev) => {
      if (ev.type === 'MODIFIED' && ev.object.metadata.name === name) counter.count++;
    }),
  );
  return counter;
}

test.before(async () => {
  widgets = await createTestCrd(admin, 'Widget');
  ns = await createNamespace(admin, 'op-ctrl');
});

test.after.each(async () => {
  await Promise.all(controllers.splice(0).map((c) => c.stop(5_000)));
  informers.splice(0).forEach((i) => {
    i.stop();
  });
  subscriptions.splice(0).forEach((s) => {
    s.unsubscribe();
  });
});

test.after(async () => {
  await deleteNamespace(admin, ns);
  await deleteTestCrd(admin, widgets);
  [admin, operatorClient, watcherClient].forEach((c) => {
    c.close();
  });
});

test('a reconciler that computes the same status again writes it once (status subresource, observedGeneration)', async () => {
  await createWidget('w1', 1);
  const writes = countWrites('w1');
  const metrics = new OperatorMetrics();
  const informer = Informer.for<Widget>(operatorClient, widgets, { namespace: ns, metrics });
  informers.push(informer);
  let reconciles = 0;
  let statusWrites = 0;
  const controller = new Controller<Widget>({
    kind: 'Widget',
    informer,
    metrics,
    log: createLogger('test', 'silent'),
    reconcile: async (key) => {
      reconciles++;
      const w = informer.get(key);
      if (!w) return;
      const status = {
        phase: 'Ready',
        size: w.spec.size,
        conditions: setCondition(w.status?.conditions, readyCondition(true, 'Provisioned', `size ${w.spec.size}`)),
      };
      if (await updateStatusIfChanged(operatorClient, widgets, w, status)) statusWrites++;
    },
  });
  controllers.push(controller);
  await controller.start();
  await waitFor('first status write seen by the watcher', () => writes.count === 1);
  // The write comes back as an update event → another reconcile with the same outcome. Poke it more.
  await waitFor('second reconcile', () => reconciles >= 2);
  for (let i = 0; i < 3; i++) {
    controller.queue.add(`${ns}/w1`);
    await sleep(100);
  }
  await sleep(1_000);
  assert.ok(reconciles >= 5, `reconciled ${reconciles} times`);
  assert.is(statusWrites, 1);
  assert.is(writes.count, 1, 'exactly one API write over all those reconciles');
  const w1 = await getWidget('w1');
  assert.is(w1.status!.observedGeneration, 1);
  assert.is(w1.status!.phase, 'Ready');
  const transition = w1.status!.conditions![0]!.lastTransitionTime;

  await admin.request('PATCH', resourcePath(widgets, ns, 'w1'), { patchType: 'merge', body: { spec: { size: 2 } } });
  await waitFor('status follows the new generation', async () => (await getWidget('w1')).status?.observedGeneration === 2);
  const after = await getWidget('w1');
  assert.is(after.status!.size, 2);
  assert.is(after.status!.conditions![0]!.message, 'size 2');
  assert.is(after.status!.conditions![0]!.lastTransitionTime, transition, 'still Ready: no transition');
  await sleep(500);
  assert.is(statusWrites, 2);
  assert.match(await metrics.registry.metrics(), /stratum_reconcile_total\{kind="Widget",result="success"\} ([5-9]|\d\d)/);
});

test('a controller on an informer another controller already started still reconciles every cached object once', async () => {
  await createWidget('w-early', 1);
  const shared = Informer.for<Widget>(operatorClient, widgets, { namespace: ns });
  informers.push(shared);
  shared.start();
  await shared.waitForSync(30_000);
  const seen: string[] = [];
  const controller = new Controller<Widget>({
    kind: 'Widget',
    informer: shared,
    reconcile: async (key) => {
      seen.push(key);
    },
    log: pino({ level: 'silent' }),
    metrics: new OperatorMetrics(),
  });
  controllers.push(controller);
  await controller.start();
  await waitFor('w-early reconciled', async () => seen.includes(`${ns}/w-early`), 10_000);
});

test('a status write on stale data patches the fields it changes: no conflict, the rest left alone', async () => {
  const w = await createWidget('w2', 1);
  await admin.request('PUT', resourcePath(widgets, ns, 'w2', 'status'), { body: { ...w, status: { phase: 'Other', note: 'kept' } } });
  assert.ok(await updateStatusIfChanged(operatorClient, widgets, w, { phase: 'Ready' }));
  const after = await getWidget('w2');
  assert.is(after.status!.phase, 'Ready');
  assert.is((after.status as Record<string, unknown>).note, 'kept');
  assert.is(after.status!.observedGeneration, 1);
});

test('finalizers: add once, a stale removal conflicts, removal from a deleted object is done', async () => {
  let w = await createWidget('w3', 1);
  const writes = countWrites('w3');
  await sleep(200);
  assert.ok(await addFinalizer(operatorClient, widgets, w, 'optest.stratum.dev/keep'));
  const stale = w;
  w = await getWidget('w3');
  assert.not.ok(await addFinalizer(operatorClient, widgets, w, 'optest.stratum.dev/keep'), 'already there: no patch');
  assert.equal(w.metadata.finalizers, ['optest.stratum.dev/keep']);
  await waitFor('one write', () => writes.count === 1);

  const other = await admin.request<Widget>('PATCH', resourcePath(widgets, ns, 'w3'), {
    patchType: 'merge',
    body: { metadata: { finalizers: ['optest.stratum.dev/keep', 'someone/else'] } },
  });
  const err = await removeFinalizer(
    operatorClient,
    widgets,
    { ...stale, metadata: { ...stale.metadata, finalizers: ['optest.stratum.dev/keep'] } },
    'optest.stratum.dev/keep',
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(isConflict(err), 'a removal based on an old read must not drop the finalizer someone added since');

  await admin.request('DELETE', resourcePath(widgets, ns, 'w3'));
  const deleting = await getWidget('w3');
  assert.ok(deleting.metadata.deletionTimestamp);
  assert.ok(await removeFinalizer(operatorClient, widgets, deleting, 'optest.stratum.dev/keep'));
  const rest = await getWidget('w3');
  assert.equal(rest.metadata.finalizers, ['someone/else']);
  assert.ok(await removeFinalizer(operatorClient, widgets, rest, 'someone/else'));
  await waitFor('object gone', () =>
    getWidget('w3').then(
      () => false,
      () => true,
    ),
  );
  assert.not.ok(await removeFinalizer(operatorClient, widgets, rest, 'someone/else'), 'object gone: nothing to do, no error');
  void other;
});

test('events: an identical event bumps the count of one Event; a failed write does not throw but is logged and counted', async () => {
  const w = await createWidget('w4', 1);
  const logged: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'warn' },
    {
      write: (line: string) => {
        logged.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  const metrics = new OperatorMetrics();
  const recorder = new EventRecorder(operatorClient, { component: 'stratum-operator', instance: 'test', log, metrics });
  for (let i = 0; i < 3; i++)
    await recorder.record(w, { type: 'Warning', reason: 'AgentUnreachable', message: 'node-a: connect ECONNREFUSED 127.0.0.2:9443' });
  await recorder.record(w, { type: 'Normal', reason: 'Provisioned', message: 'ok' });
  const list = await admin.request<{
    items: { reason: string; count: number; involvedObject: { name: string; uid: string; kind: string } }[];
  }>('GET', `/api/v1/namespaces/${ns}/events`, { query: { fieldSelector: `involvedObject.name=w4` } });
  const byReason = Object.fromEntries(list.items.map((e) => [e.reason, e]));
  assert.is(list.items.length, 2);
  assert.is(byReason.AgentUnreachable!.count, 3);
  assert.is(byReason.AgentUnreachable!.involvedObject.uid, w.metadata.uid);
  assert.is(byReason.Provisioned!.count, 1);

  assert.equal(logged, [], 'nothing logged while writes succeed');
  assert.not.match(await metrics.registry.metrics(), /^stratum_event_write_failures_total\{/m, 'no failure counted while writes succeed');

  const nowhere = { ...w, metadata: { ...w.metadata, namespace: 'no-such-namespace' } };
  await recorder.record(nowhere, { type: 'Normal', reason: 'Unwritable', message: 'y' });
  assert.is(logged.length, 1, JSON.stringify(logged));
  assert.is(logged[0]!.msg, 'cannot record event');
  assert.is(logged[0]!.reason, 'Unwritable');
  assert.is(logged[0]!.object, `${w.kind}/no-such-namespace/w4`);
  assert.match(String(logged[0]!.err), /no-such-namespace/);
  assert.match(await metrics.registry.metrics(), /^stratum_event_write_failures_total\{reason="Unwritable"\} 1$/m);
});

test('events: an event about a cluster-scoped object lands in default, the one namespace the API server takes it in', async () => {
  const recorder = new EventRecorder(operatorClient, {
    component: 'stratum-operator',
    instance: 'test',
    log: createLogger('test', 'silent'),
  });
  const name = `pool-${ns}`;
  const pool = {
    apiVersion: 'storage.stratum.dev/v1alpha1',
    kind: 'StoragePool',
    metadata: { name, uid: '00000000-0000-4000-8000-000000000001' },
  };
  await recorder.record(pool, { type: 'Warning', reason: 'PoolNotReady', message: 'node-a: no disks' });
  const found = await admin.request<{ items: { metadata: { name: string }; involvedObject: { kind: string } }[] }>(
    'GET',
    '/api/v1/events',
    { query: { fieldSelector: `involvedObject.name=${name}` } },
  );
  assert.is(found.items.length, 1, 'recorded');
  assert.is(found.items[0]!.involvedObject.kind, 'StoragePool');
  const elsewhere = await admin
    .request('POST', `/api/v1/namespaces/${ns}/events`, {
      body: {
        metadata: { generateName: `${name}.` },
        involvedObject: { ...pool },
        type: 'Normal',
        reason: 'X',
        message: 'y',
        source: { component: 'test' },
      },
    })
    .then(
      () => 'accepted',
      (err: Error) => err.message,
    );
  assert.match(elsewhere, 'does not match event.namespace', 'any other namespace is refused');
  await admin.request('DELETE', `/api/v1/namespaces/default/events/${found.items[0]!.metadata.name}`);
});

test.run();
