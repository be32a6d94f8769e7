// Image archives for the lab's real nodes, which have no registry to pull from: the pod sandbox
// (test/lab/go/pause) and the CSI sidecars the install runs, each a one-binary image of what
// scripts/rig/build and scripts/lab/build-node made from the pinned Go modules, named as the
// manifests name them. Stratum's own image is scripts/image/build.ts's.
import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { layerFromDir, writeOciArchive } from '../../scripts/lib/oci-archive.ts';
import { SIDECAR_IMAGES } from '../../src/manifests/images.ts';
import { rigBinary, type RigBinary } from '../rig/binaries.ts';
import { NODE_BIN_DIR, PAUSE_IMAGE } from './kube-node.ts';

/** An image holding one static binary at /<name>, run as its entrypoint. */
export async function binaryImage(name: string, binary: string, outDir: string): Promise<string> {
  const work = await mkdtemp(path.join(outDir, '.image-'));
  try {
    const file = path.join(work, 'root', path.basename(binary));
    await mkdir(path.dirname(file), { recursive: true });
    await copyFile(binary, file);
    await chmod(file, 0o755);
    const layer = path.join(work, 'layer.tar');
    await layerFromDir(path.join(work, 'root'), layer);
    const out = path.join(outDir, `${name.replace(/[/:]/g, '_')}.tar`);
    await writeOciArchive({ name, layers: [layer], settings: { entrypoint: [`/${path.basename(binary)}`] }, out });
    return out;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export function pauseImage(outDir: string): Promise<string> {
  return binaryImage(PAUSE_IMAGE, path.join(NODE_BIN_DIR, 'pause'), outDir);
}

/** The operator's CSI sidecars, each from the rig's binary of the same name and version (a unit test keeps the two in step). */
export function sidecarImages(outDir: string): Promise<string[]> {
  return Promise.all(
    Object.values(SIDECAR_IMAGES).map((image) => {
      const binary = image.slice(image.lastIndexOf('/') + 1, image.lastIndexOf(':')) as RigBinary;
      return binaryImage(image, rigBinary(binary), outDir);
    }),
  );
}
