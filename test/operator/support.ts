// Shared by the operator tests: a client on the shared control plane, throwaway namespaces, and
// bounded waits.
import { randomBytes } from 'node:crypto';
import { connectToSharedControlPlane } from '../rig/connect.ts';
import { KubeClient, isNotFound, type ResourceType } from '../../src/operator/runtime/kube/client.ts';

export const CONFIGMAPS: ResourceType = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
export const NAMESPACES: ResourceType = { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };

export function sharedClient(): KubeClient {
  return new KubeClient(connectToSharedControlPlane().kubeConfig());
}

export const suffix = () => randomBytes(3).toString('hex');

export async function createNamespace(client: KubeClient, prefix: string): Promise<string> {
  const name = `${prefix}-${suffix()}`;
  await client.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  return name;
}

export async function deleteNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.request('DELETE', `/api/v1/namespaces/${name}`);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export async function createConfigMap(
  client: KubeClient,
  namespace: string,
  name: string,
  data: Record<string, string> = {},
): Promise<void> {
  await client.request('POST', `/api/v1/namespaces/${namespace}/configmaps`, {
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data },
  });
}

export async function deleteConfigMap(client: KubeClient, namespace: string, name: string): Promise<void> {
  await client.request('DELETE', `/api/v1/namespaces/${namespace}/configmaps/${name}`);
}

export async function patchConfigMap(client: KubeClient, namespace: string, name: string, data: Record<string, string>): Promise<void> {
  await client.request('PATCH', `/api/v1/namespaces/${namespace}/configmaps/${name}`, { patchType: 'merge', body: { data } });
}

/** Polls `check` until it returns a truthy value; throws `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const TEST_GROUP = 'optest.stratum.dev';

/**
 * A throwaway namespaced CRD with a status subresource and free-form spec/status, so these tests
 * depend on no Stratum CRD. Its watch cache starts when it is established, which makes an old
 * resourceVersion really too old (410 Gone) on a fresh API server.
 */
export async function createTestCrd(client: KubeClient, kind: string): Promise<ResourceType> {
  const plural = `${kind.toLowerCase()}s`;
  const free = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  await client.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    body: {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.${TEST_GROUP}` },
      spec: {
        group: TEST_GROUP,
        scope: 'Namespaced',
        names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: free, status: free } } },
          },
        ],
      },
    },
  });
  const rt: ResourceType = { apiVersion: `${TEST_GROUP}/v1`, kind, plural, namespaced: true };
  await waitFor(
    `CRD ${plural} established and served`,
    async () => {
      const crd = await client.request<{ status?: { conditions?: { type: string; status: string }[] } }>(
        'GET',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${plural}.${TEST_GROUP}`,
      );
      if (!crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return false;
      return client.request('GET', `/apis/${TEST_GROUP}/v1/${plural}`).then(
        () => true,
        () => false,
      );
    },
    30_000,
    100,
  );
  return rt;
}

export async function deleteTestCrd(client: KubeClient, rt: ResourceType): Promise<void> {
  try {
    await client.request('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${rt.plural}.${TEST_GROUP}`);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
