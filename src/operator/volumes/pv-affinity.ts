// A PersistentVolume's node affinity names every node that holds a replica of its volume, so a
// pod can start wherever a copy of the data is (after a node dies, on a surviving replica). After
// a volume moved or gained replicas, the PV follows. PV node affinity is immutable on API servers
// without the MutablePVNodeAffinity feature (or an admission policy may refuse the change), so a
// refusal is returned as such: a move then keeps its source, and the status says what to do.
import { TOPOLOGY_KEY } from '../../common/constants.ts';
import type { LocalVolume } from '../../api/index.ts';
import { isNotFound, resourcePath, type KubeClient } from '../runtime/kube/client.ts';
import { PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES } from '../resources.ts';

interface Claim {
  spec?: { volumeName?: string };
}

interface PersistentVolume {
  spec?: { nodeAffinity?: { required?: { nodeSelectorTerms?: { matchExpressions?: { key: string; values?: string[] }[] }[] } } };
}

/** The node affinity that admits exactly `nodes`. */
export function nodeAffinityFor(nodes: readonly string[]) {
  return {
    required: { nodeSelectorTerms: [{ matchExpressions: [{ key: TOPOLOGY_KEY, operator: 'In', values: [...new Set(nodes)].sort() }] }] },
  };
}

/** What became of the PV: `changed` or `refused`, each with a sentence for status and Events. */
export type PvUpdate = { readonly changed: string } | { readonly refused: string };

/** Points the volume's PV at `nodes`; undefined without a PV, or when it already did. */
export async function updatePersistentVolumeNodes(
  client: KubeClient,
  lv: LocalVolume,
  nodes: readonly string[],
): Promise<PvUpdate | undefined> {
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
  const nodeAffinity = nodeAffinityFor(nodes);
  const path = resourcePath(PERSISTENT_VOLUMES, undefined, pvName);
  const want = nodeAffinity.required.nodeSelectorTerms[0]!.matchExpressions[0]!.values;
  try {
    const pv = await client.request<PersistentVolume>('GET', path);
    const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
    const have = terms.length === 1 ? (terms[0]!.matchExpressions?.find((e) => e.key === TOPOLOGY_KEY)?.values ?? []) : [];
    if (JSON.stringify([...have].sort()) === JSON.stringify(want)) return undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const names = want.join(', ');
  try {
    await client.request('PATCH', path, { patchType: 'merge', body: { spec: { nodeAffinity } } });
    return { changed: `PersistentVolume ${pvName} now admits node(s) ${names}` };
  } catch (err) {
    return {
      refused: `PersistentVolume ${pvName} still names other nodes (${(err as Error).message}); recreate the PV with node(s) ${names}, or enable MutablePVNodeAffinity`,
    };
  }
}
