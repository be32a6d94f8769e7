// ControlPlane on its own (not the shared one): start with the controller-manager and scheduler
// switches, RBAC in force, an API server restart that cuts watches, teardown, failures.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import { ControlPlane } from './control-plane.ts';
import { Kubelet } from './kubelet.ts';
import { childPids, waitGone } from './processes.ts';
import { probe } from './wait-ready.ts';

/** Polls `check` until it returns a value (bounded); `what` names the wait in the failure. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** One GET with the cluster CA and no credentials: the status code and body. */
function httpGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

const own = suite<{ plane?: ControlPlane }>('control-plane', {});

own.before(async (ctx) => {
  try {
    ctx.plane = await ControlPlane.start({ controllerManager: true, scheduler: true });
  } catch (err) {
    // uvu drops errors thrown by hooks; print it so the failure says why.
    console.error(err);
    throw err;
  }
});

own.after(async (ctx) => {
  await ctx.plane?.teardown();
});

own('prints the warm start time (a benchmark line, not a bound)', ({ plane }) => {
  const t = plane!.timings;
  const s = (ms: number) => (ms / 1000).toFixed(1);
  console.log(`[bench] control plane warm start: ${s(t.totalMs)} s (etcd ${s(t.etcdMs)} s, kube-apiserver ${s(t.apiServerMs)} s)`);
  assert.ok(t.etcdMs > 0 && t.apiServerMs > 0);
  assert.ok(t.totalMs >= t.etcdMs + t.apiServerMs);
});

own('the admin kubeconfig has access; an anonymous client is refused by RBAC', async ({ plane }) => {
  const core = plane!.kubeConfig().makeApiClient(CoreV1Api);
  const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
  assert.ok(names.includes('kube-system'), `namespaces: ${names.join(', ')}`);
  const ca = await readFile(plane!.files.caCert);
  assert.ok(await probe(`${plane!.server}/readyz`, { ca }), 'readyz is public');
  const anonymous = await httpGet(`${plane!.server}/api/v1/namespaces`, ca);
  // Anonymous requests are authenticated as system:anonymous, which RBAC grants nothing.
  assert.is(anonymous.status, 403, `anonymous list: ${anonymous.status} ${anonymous.body}`);
  const status = JSON.parse(anonymous.body) as { reason?: string; message?: string };
  assert.is(status.reason, 'Forbidden');
  assert.match(status.message ?? '', /"system:anonymous" cannot list resource "namespaces"/);
});

own('with the controller-manager and scheduler, a played node loses its not-ready taint and a pod is bound to it', async ({ plane }) => {
  const kc = plane!.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const kubelet = new Kubelet(kc, { leaseRenewMs: 2_000 });
  try {
    await kubelet.addNode({ name: 'rig-sched-node', address: '127.0.0.2' });
    await eventually('node-lifecycle controller removes the not-ready taint', async () => {
      const node = await core.readNode({ name: 'rig-sched-node' });
      return node.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready') ? undefined : true;
    });
    // The service-account controller creates `default`; Pod admission needs it.
    await eventually('default service account', () => core.readNamespacedServiceAccount({ namespace: 'default', name: 'default' }));
    await core.createNamespacedPod({
      namespace: 'default',
      body: { metadata: { name: 'rig-sched-pod' }, spec: { containers: [{ name: 'c', image: 'rig/none' }] } },
    });
    const nodeName = await eventually(
      'scheduler binds the pod',
      async () => (await core.readNamespacedPod({ namespace: 'default', name: 'rig-sched-pod' })).spec?.nodeName,
      30_000,
    );
    assert.is(nodeName, 'rig-sched-node');
  } finally {
    await kubelet.stop();
  }
});

own('stopApiServer cuts watches; startApiServer comes back on the same port with the same data', async ({ plane }) => {
  const kc = plane!.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'rig-restart' }, data: { kept: 'yes' } } });
  let cut: (err: unknown) => void = () => undefined;
  const watchEnded = new Promise<unknown>((resolve) => {
    cut = resolve;
  });
  const watch = await new Watch(kc).watch(
    '/api/v1/namespaces/default/configmaps',
    {},
    () => undefined,
    (err) => cut(err),
  );
  try {
    const server = plane!.server;
    await plane!.stopApiServer();
    const ended = await Promise.race([watchEnded.then(() => true), sleep(15_000).then(() => false)]);
    assert.ok(ended, 'the watch ended when the API server stopped');
    await plane!.startApiServer();
    assert.is(plane!.server, server);
    const cm = await core.readNamespacedConfigMap({ namespace: 'default', name: 'rig-restart' });
    assert.is(cm.data?.kept, 'yes');
  } finally {
    watch.abort();
  }
});

own('teardown stops every process it started and removes its directory', async ({ plane }) => {
  const pids = plane!.pids();
  assert.is(pids.length, 4, 'etcd, kube-apiserver, kube-controller-manager, kube-scheduler');
  await plane!.teardown();
  assert.equal(await waitGone(pids), []);
  assert.not.ok(existsSync(plane!.files.dir), `${plane!.files.dir} removed`);
});

own.run();

const failures = suite('control-plane failures');

failures('a missing binary is named, with the command that builds it', async () => {
  const empty = await mkdtemp(path.join(tmpdir(), 'rig-nobin-'));
  try {
    await ControlPlane.start({ binDir: empty });
    assert.unreachable('started without binaries');
  } catch (err) {
    assert.match((err as Error).message, /etcd is missing from .*npm run rig:build/);
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

failures('a start-up failure carries the log tail and leaves no process or directory behind', async () => {
  const before = new Set(childPids());
  try {
    await ControlPlane.start({ apiServerArgs: ['--no-such-flag'] });
    assert.unreachable('started with a bad flag');
  } catch (err) {
    const message = (err as Error).message;
    assert.match(message, /kube-apiserver: exited with code \d+ before ready/);
    assert.match(message, /unknown flag: --no-such-flag/);
    const dir = /last lines of (\S+)\/logs\//.exec(message)?.[1];
    assert.ok(dir && !existsSync(dir), `rig directory ${dir} removed`);
  }
  assert.equal(
    childPids().filter((p) => !before.has(p)),
    [],
    'no etcd or kube-apiserver left',
  );
});

failures.run();
