// After a volume moved, its PersistentVolume must point pods at the new node. PV node affinity is
// immutable on API servers without the MutablePVNodeAffinity feature, so a refusal is reported
// (what to do about it) rather than hidden.
import { TOPOLOGY_KEY } from '../../common/constants.ts';
import type { LocalVolume } from '../../api/index.ts';
import { isNotFound, type KubeClient } from '../runtime/kube/client.ts';

interface Claim {
  spec?: { volumeName?: string };
}

/** Points the volume's PV at `node`; returns what happened, for status and Events, or undefined without a PV. */
export async function updatePersistentVolumeNode(client: KubeClient, lv: LocalVolume, node: string): Promise<string | undefined> {
  const ref = lv.spec.pvcRef;
  if (!ref) return undefined;
  let pvName: string | undefined;
  try {
    pvName = (await client.request<Claim>('GET', `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/persistentvolumeclaims/${encodeURIComponent(ref.name)}`)).spec?.volumeName;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  if (!pvName) return undefined;
  const nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: TOPOLOGY_KEY, operator: 'In', values: [node] }] }] } };
  try {
    await client.request('PATCH', `/api/v1/persistentvolumes/${encodeURIComponent(pvName)}`, { patchType: 'merge', body: { spec: { nodeAffinity } } });
    return `PersistentVolume ${pvName} now requires node ${node}`;
  } catch (err) {
    return `PersistentVolume ${pvName} still names the old node (${(err as Error).message}); recreate the PV with node ${node}, or enable MutablePVNodeAffinity`;
  }
}
