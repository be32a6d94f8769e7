// A volume grown by editing its LocalVolume (`kubectl edit lv`) would leave its claim, its
// PersistentVolume and the filesystem at the old size: only a PVC resize makes csi-resizer record
// the new capacity and kubelet grow the filesystem. So the claim follows the volume: its request
// is raised to spec.size, and the usual resize path does the rest (ControllerExpandVolume finds
// the volume already that large). A claim that cannot follow says why.
import type { LocalVolume } from '../../api/index.ts';
import { parseQuantity } from '../../api/quantity.ts';
import { isNotFound, resourcePath, type KubeClient } from '../runtime/kube/client.ts';
import { PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES } from '../resources.ts';

interface Claim {
  spec?: { volumeName?: string; resources?: { requests?: { storage?: string } } };
}

interface PersistentVolume {
  spec?: { csi?: { volumeHandle?: string } };
}

export interface ClaimResize {
  type: 'Normal' | 'Warning';
  reason: 'ClaimResized' | 'ClaimNotResized';
  message: string;
}

/**
 * Raises the request of the claim bound to `lv` to spec.size. Undefined when the volume has no
 * claim, the claim is not bound to this volume, or it already asks for as much.
 */
export async function claimFollowsVolume(client: KubeClient, lv: LocalVolume): Promise<ClaimResize | undefined> {
  const ref = lv.spec.pvcRef;
  if (!ref) return undefined;
  const claimPath = resourcePath(PERSISTENT_VOLUME_CLAIMS, ref.namespace, ref.name);
  let claim: Claim;
  try {
    claim = await client.request<Claim>('GET', claimPath);
    if (!claim.spec?.volumeName) return undefined;
    const pv = await client.request<PersistentVolume>('GET', resourcePath(PERSISTENT_VOLUMES, undefined, claim.spec.volumeName));
    // A claim of the same name recreated since binds another volume: leave it alone.
    if (pv.spec?.csi?.volumeHandle !== lv.metadata.name) return undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const asked = claim.spec.resources?.requests?.storage;
  if (asked && parseQuantity(asked) >= parseQuantity(lv.spec.size)) return undefined;
  const name = `${ref.namespace}/${ref.name}`;
  try {
    await client.request('PATCH', claimPath, {
      patchType: 'merge',
      body: { spec: { resources: { requests: { storage: lv.spec.size } } } },
    });
  } catch (err) {
    return {
      type: 'Warning',
      reason: 'ClaimNotResized',
      message:
        `PersistentVolumeClaim ${name} stays at ${asked ?? 'its size'}, so its filesystem is not grown to ${lv.spec.size}: ` +
        `${(err as Error).message}. Resize the claim instead (its StorageClass needs allowVolumeExpansion: true)`,
    };
  }
  return {
    type: 'Normal',
    reason: 'ClaimResized',
    message: `PersistentVolumeClaim ${name} now asks for ${lv.spec.size} (was ${asked ?? 'unset'}); the filesystem grows when its node next expands it`,
  };
}
