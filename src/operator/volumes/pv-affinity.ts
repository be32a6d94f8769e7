// After a volume moved, its PersistentVolume must point pods at the new node. PV node affinity is
// immutable on API servers without the MutablePVNodeAffinity feature, so a refusal is reported
// (what to do about it) rather than hidden.
import { TOPOLOGY_KEY } from '../../common/constants.ts';
import type { LocalVolume } from '../../api/index.ts';
import { isNotFound, resourcePath, type KubeClient } from '../runtime/kube/client.ts';
import { PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES } from '../resources.ts';

interface Claim {
  spec?: { volumeName?: string };
}

/** Points the volume's PV at `node`; returns what happened, for status and Events, or undefined without a PV. */
export async function updatePersistentVolumeNode(client: KubeClient, lv: LocalVolume, node: string): Promise<string | undefined> {
  const ref = lv.spec.pvcRef;
  if (!ref) return undefined;
  let pvName: string | undefined;
  try {
    pvName = (await client.request<Claim>('GET', resourcePath(PERSISTENT_VOLUME_CLAIMS, ref.namespace, ref.name))).spec?.volumeName;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  if (!pvName) return undefined;
  const nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: TOPOLOGY_KEY, operator: 'In', values: [node] }] }] } };
  try {
    await client.request('PATCH', resourcePath(PERSISTENT_VOLUMES, undefined, pvName), { patchType: 'merge', body: { spec: { nodeAffinity } } });
    return `PersistentVolume ${pvName} now requires node ${node}`;
  } catch (err) {
    return `PersistentVolume ${pvName} still names the old node (${(err as Error).message}); recreate the PV with node ${node}, or enable MutablePVNodeAffinity`;
  }
}
