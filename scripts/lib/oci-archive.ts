// An OCI image archive (image layout in a tar, what `docker save` and `ctr images import` read)
// from layer tars made elsewhere. Layers stay uncompressed: these archives go straight into a
// local containerd, where unpacking gzip costs more than the bytes it saves.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../../src/common/exec.ts';

/** The runtime settings of an image (the OCI image config's `config`). */
export interface ImageSettings {
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly env?: readonly string[];
  readonly user?: string;
  readonly workingDir?: string;
}

export interface OciArchiveRequest {
  /** Full reference, e.g. ghcr.io/stratum-dev/stratum:0.1.0 — the name containerd gives the image. */
  readonly name: string;
  /** Uncompressed layer tars, lowest first. */
  readonly layers: readonly string[];
  readonly settings: ImageSettings;
  /** The archive to write. */
  readonly out: string;
}

interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
} as const;

/** Writes the archive; returns the manifest's digest. */
export async function writeOciArchive(req: OciArchiveRequest): Promise<string> {
  const staging = await mkdtemp(path.join(path.dirname(req.out), '.oci-'));
  try {
    const blobs = path.join(staging, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    const layers: Descriptor[] = [];
    for (const file of req.layers) {
      const digest = await sha256File(file);
      // A hard link: the layer's bytes are written once, by tar below.
      await link(file, path.join(blobs, digest.slice('sha256:'.length))).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      layers.push({ mediaType: MEDIA.layer, digest, size: (await stat(file)).size });
    }
    const s = req.settings;
    const config = await putJson(blobs, MEDIA.config, {
      architecture: 'amd64',
      os: 'linux',
      config: {
        ...(s.entrypoint ? { Entrypoint: s.entrypoint } : {}),
        ...(s.cmd ? { Cmd: s.cmd } : {}),
        ...(s.env ? { Env: s.env } : {}),
        ...(s.user ? { User: s.user } : {}),
        ...(s.workingDir ? { WorkingDir: s.workingDir } : {}),
      },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    });
    const manifest = await putJson(blobs, MEDIA.manifest, { schemaVersion: 2, mediaType: MEDIA.manifest, config, layers });
    const tag = req.name.slice(req.name.lastIndexOf(':') + 1);
    const index = {
      schemaVersion: 2,
      mediaType: MEDIA.index,
      manifests: [{ ...manifest, annotations: { 'io.containerd.image.name': req.name, 'org.opencontainers.image.ref.name': tag } }],
    };
    await writeFile(path.join(staging, 'index.json'), JSON.stringify(index));
    await writeFile(path.join(staging, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await run('tar', ['-C', staging, '--owner=0', '--group=0', '--numeric-owner', '-cf', req.out, 'oci-layout', 'index.json', 'blobs']);
    return manifest.digest;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function putJson(blobs: string, mediaType: string, value: unknown): Promise<Descriptor> {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await writeFile(path.join(blobs, digest.slice('sha256:'.length)), bytes);
  return { mediaType, digest, size: bytes.length };
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** A layer tar of `dir`'s contents, owned by root, in name order, with fixed times: the same tree gives the same digest. */
export async function layerFromDir(dir: string, out: string): Promise<void> {
  await run('tar', ['-C', dir, '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', out, '.']);
}
