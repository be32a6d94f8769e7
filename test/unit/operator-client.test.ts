import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import {
  KubeApiError,
  KubeClient,
  RETRY_AFTER_ATTEMPTS,
  isConflict,
  isGone,
  isNotFound,
  loadKubeConfig,
  resourcePath,
  type ResourceType,
} from '../../src/operator/runtime/kube/client.ts';

const CM: ResourceType = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
const LV: ResourceType = { apiVersion: 'storage.stratum.dev/v1alpha1', kind: 'LocalVolume', plural: 'localvolumes', namespaced: false };

test('resourcePath builds core, group, namespaced, cluster-scoped and subresource paths', () => {
  assert.is(resourcePath(CM), '/api/v1/configmaps');
  assert.is(resourcePath(CM, 'ns'), '/api/v1/namespaces/ns/configmaps');
  assert.is(resourcePath(CM, 'ns', 'a'), '/api/v1/namespaces/ns/configmaps/a');
  assert.is(resourcePath(LV, undefined, 'pvc-1', 'status'), '/apis/storage.stratum.dev/v1alpha1/localvolumes/pvc-1/status');
  assert.is(resourcePath(LV, 'ignored', 'pvc-1'), '/apis/storage.stratum.dev/v1alpha1/localvolumes/pvc-1');
  assert.throws(() => resourcePath(CM, undefined, 'a'), /ConfigMap a is namespaced: a namespace is required/);
});

test('error helpers classify API errors by status code', () => {
  const e = (code: number) => new KubeApiError(code, 'R', 'GET', '/x', 'm');
  assert.ok(isNotFound(e(404)) && isConflict(e(409)) && isGone(e(410)));
  assert.not.ok(isNotFound(e(409)) || isNotFound(new Error('404')));
  assert.is(e(409).message, 'GET /x: 409 R: m');
});

test('loadKubeConfig: an explicit file wins; a missing one is a clear error; nothing at all is refused', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'stratum-kc-'));
  const saved = { KUBECONFIG: process.env.KUBECONFIG, KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST };
  try {
    const file = path.join(dir, 'config');
    await writeFile(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: t',
        'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443" } }]',
        'users: [{ name: u, user: { token: abc } }]',
        'contexts: [{ name: t, context: { cluster: c, user: u } }]',
      ].join('\n'),
    );
    assert.is(loadKubeConfig({ kubeconfig: file }).getCurrentCluster()!.server, 'https://127.0.0.1:6443');
    assert.is(new KubeClient(loadKubeConfig({ kubeconfig: file })).server.port, '6443');
    process.env.KUBECONFIG = file;
    assert.is(loadKubeConfig().getCurrentCluster()!.server, 'https://127.0.0.1:6443');
    assert.throws(() => loadKubeConfig({ kubeconfig: path.join(dir, 'nope') }), /kubeconfig .*nope does not exist/);
    delete process.env.KUBECONFIG;
    delete process.env.KUBERNETES_SERVICE_HOST;
    assert.throws(() => loadKubeConfig(), /no kubeconfig: pass a path, set KUBECONFIG, or run in a pod/);
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    await rm(dir, { recursive: true, force: true });
  }
});

/** A loopback API server that answers each request with the next of `answers` (the last repeats). */
async function answering(
  answers: readonly { status: number; retryAfter?: string }[],
): Promise<{ client: KubeClient; requests: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = http.createServer((_req, res) => {
    const a = answers[Math.min(n++, answers.length - 1)]!;
    res.writeHead(a.status, { 'Content-Type': 'application/json', ...(a.retryAfter !== undefined ? { 'Retry-After': a.retryAfter } : {}) });
    res.end(
      JSON.stringify(
        a.status < 300 ? { items: [] } : { kind: 'Status', reason: 'TooManyRequests', message: 'storage is (re)initializing' },
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 't', cluster: 'c', user: 'u' }],
    currentContext: 't',
  });
  const client = new KubeClient(kc);
  return {
    client,
    requests: () => n,
    close: async () => {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

test('a 429 or 5xx with Retry-After is sent again (any method), bounded in tries; without the header it stands', async () => {
  const busy = { status: 429, retryAfter: '0' };
  const healing = await answering([busy, { status: 503, retryAfter: '0' }, { status: 200 }]);
  try {
    assert.equal(await healing.client.request('POST', '/api/v1/configmaps', { body: {} }), { items: [] });
    assert.is(healing.requests(), 3);
  } finally {
    await healing.close();
  }
  const stuck = await answering([busy]);
  try {
    const err = await stuck.client.request('GET', '/api/v1/configmaps').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.match(String(err), /429 TooManyRequests: storage is \(re\)initializing/);
    assert.is(stuck.requests(), RETRY_AFTER_ATTEMPTS);
  } finally {
    await stuck.close();
  }
  const plain = await answering([{ status: 500 }, { status: 200 }]);
  try {
    const err = await plain.client.request('GET', '/api/v1/configmaps').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.match(String(err), /GET \/api\/v1\/configmaps: 500/);
    assert.is(plain.requests(), 1);
  } finally {
    await plain.close();
  }
});

test.run();
