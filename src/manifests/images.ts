// Every image the install runs, pinned by tag. The CSI sidecar versions are the ones the test rig
// builds from test/rig/go/*/go.mod; a unit test keeps the two in step.
import type { ResolvedConfig } from './config.ts';

export const SIDECAR_IMAGES = {
  provisioner: 'registry.k8s.io/sig-storage/csi-provisioner:v6.4.0',
  resizer: 'registry.k8s.io/sig-storage/csi-resizer:v2.3.0',
  snapshotter: 'registry.k8s.io/sig-storage/csi-snapshotter:v8.7.0',
} as const;

export function stratumImage(config: ResolvedConfig): string {
  return `${config.image.repository}:${config.image.tag}`;
}
