// The CSI node calls kubelet makes to mount a volume for a pod and to let it go again, played
// against the agent in a VM, at the paths kubelet would lay out there.
import path from 'node:path';
import { callCsi, type CsiClients } from '../../src/csi/client.ts';
import type { LabNode } from './lab-node.ts';

export const stagingOf = (vol: string) => `/var/lib/kubelet/plugins/lab/${vol}/globalmount`;
export const targetOf = (vol: string) => `/var/lib/kubelet/pods/lab/volumes/${vol}/mount`;
export const mountCapability = (fsType: string) => ({
  accessMode: { mode: 'SINGLE_NODE_WRITER' as const },
  mount: { fsType, mountFlags: [] },
});

/** NodeStageVolume, then NodePublishVolume: the volume mounted at targetOf(vol) in `vm`. */
export async function stageAndPublish(vm: LabNode, csiNode: CsiClients['node'], vol: string, fsType: string): Promise<void> {
  await vm.sh(`mkdir -p ${stagingOf(vol)} ${path.dirname(targetOf(vol))}`);
  const volumeCapability = mountCapability(fsType);
  await callCsi(
    csiNode,
    'NodeStageVolume',
    { volumeId: vol, stagingTargetPath: stagingOf(vol), volumeCapability, volumeContext: {} },
    180_000,
  );
  await callCsi(
    csiNode,
    'NodePublishVolume',
    { volumeId: vol, stagingTargetPath: stagingOf(vol), targetPath: targetOf(vol), volumeCapability, readonly: false, volumeContext: {} },
    60_000,
  );
}

/** NodeUnpublishVolume, then NodeUnstageVolume: stageAndPublish undone. */
export async function unpublishAndUnstage(csiNode: CsiClients['node'], vol: string): Promise<void> {
  await callCsi(csiNode, 'NodeUnpublishVolume', { volumeId: vol, targetPath: targetOf(vol) }, 60_000);
  await callCsi(csiNode, 'NodeUnstageVolume', { volumeId: vol, stagingTargetPath: stagingOf(vol) }, 60_000);
}
