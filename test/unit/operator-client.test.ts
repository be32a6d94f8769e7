import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  KubeApiError,
  KubeClient,
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
    assert.is(loadKubeConfig().getCurrentCluster()!.name, 'c');
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

test.run();
