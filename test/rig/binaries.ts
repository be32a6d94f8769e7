// Where the test control plane's binaries live (built by `npm run rig:build` into .rig/bin/).
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CRDS_DIR = path.join(REPO_ROOT, 'crds');
export const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');
export const DEFAULT_BIN_DIR = process.env.STRATUM_RIG_BIN ?? path.join(REPO_ROOT, '.rig/bin');

export type RigBinary =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubectl'
  | 'csi-sanity'
  | 'csi-provisioner'
  | 'csi-resizer'
  | 'csi-snapshotter'
  | 'snapshot-controller';

/** Absolute path of an executable rig binary; throws, naming it and the command that builds it, when it is missing. */
export function rigBinary(name: RigBinary, binDir = DEFAULT_BIN_DIR): string {
  const file = path.join(binDir, name);
  try {
    accessSync(file, constants.X_OK);
  } catch {
    throw new Error(
      `${name} is missing from ${binDir}: build the test control plane with 'npm run rig:build' (about 10 min the first time)`,
    );
  }
  return file;
}

/** The VolumeSnapshot CRDs of the external-snapshotter release the rig builds (copied beside its binaries). */
export function snapshotCrdsDir(binDir = DEFAULT_BIN_DIR): string {
  const dir = path.join(binDir, 'snapshot-crds');
  try {
    accessSync(dir, constants.R_OK);
  } catch {
    throw new Error(`the VolumeSnapshot CRDs are missing from ${dir}: run 'npm run rig:build'`);
  }
  return dir;
}
