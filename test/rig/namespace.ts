// Test namespaces on the shared plane, ready for Pods although no controller-manager runs there.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { ignoreNotFound } from './api-errors.ts';
import { uniqueName } from './connect.ts';

/** Creates `<prefix>-<random>` with its `default` ServiceAccount (the service-account controller's job, which Pod admission needs). */
export async function createTestNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name, labels: { 'stratum.dev/test': prefix } } } });
  await core.createNamespacedServiceAccount({ namespace: name, body: { metadata: { name: 'default' } } });
  return name;
}

/** Deletes the namespace; it stays Terminating on the shared plane (no namespace controller), which is harmless under a unique name. */
export async function deleteTestNamespace(kc: KubeConfig, name: string): Promise<void> {
  await ignoreNotFound(kc.makeApiClient(CoreV1Api).deleteNamespace({ name }));
}
