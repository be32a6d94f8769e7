// The image built without Docker (scripts/image/build.ts): what it reads from the Dockerfile's
// runtime stage, and the OCI archive it writes (index → manifest → config and layers, every
// digest the sha256 of its blob, the name containerd gives the image).
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readRuntimeStage } from '../../scripts/image/dockerfile-runtime.ts';
import { layerFromDir, writeOciArchive } from '../../scripts/lib/oci-archive.ts';
import { run } from '../../src/common/exec.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test("the Dockerfile's runtime stage: the build stage's files under its WORKDIR, the user, the command", async () => {
  const stage = readRuntimeStage(await readFile(path.join(ROOT, 'Dockerfile'), 'utf8'));
  assert.is(stage.base, 'debian:bookworm-slim');
  assert.equal(stage.copies, [
    { from: 'package.json', to: '/opt/stratum/package.json' },
    { from: 'node_modules', to: '/opt/stratum/node_modules' },
    { from: 'dist', to: '/opt/stratum/dist' },
    { from: 'proto', to: '/opt/stratum/proto' },
    { from: 'bin', to: '/opt/stratum/bin' },
  ]);
  assert.is(stage.settings.user, '65532:65532');
  assert.equal(stage.settings.entrypoint, []);
  assert.equal(stage.settings.cmd, ['stratum-operator', '--help']);
  assert.ok(
    stage.settings.env?.some((e) => e.startsWith('PATH=/opt/stratum/bin:')),
    'the commands on PATH',
  );
});

test('a Dockerfile without a build-stage WORKDIR, or copying from outside it, is refused', () => {
  assert.throws(() => readRuntimeStage('FROM a AS build\nFROM b\nWORKDIR /x\n'), /build stage has no WORKDIR/);
  assert.throws(
    () => readRuntimeStage('FROM a AS build\nWORKDIR /src\nFROM b\nWORKDIR /x\nCOPY --from=build /etc/passwd ./\n'),
    /COPY from outside \/src/,
  );
});

test('the OCI archive: every digest is its blob, the layer is the diff, the image carries its name', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'oci-test-'));
  try {
    await mkdir(path.join(dir, 'root', 'bin'), { recursive: true });
    await writeFile(path.join(dir, 'root', 'bin', 'hello'), 'hello\n');
    const layer = path.join(dir, 'layer.tar');
    await layerFromDir(path.join(dir, 'root'), layer);
    const out = path.join(dir, 'image.tar');
    const digest = await writeOciArchive({
      name: 'example.test/hello:1',
      layers: [layer],
      settings: { entrypoint: ['/bin/hello'], user: '1000' },
      out,
    });
    const x = path.join(dir, 'x');
    await mkdir(x);
    await run('tar', ['-C', x, '-xf', out]);
    const blob = async (d: string) => readFile(path.join(x, 'blobs', 'sha256', d.replace('sha256:', '')));
    const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    const index = JSON.parse(await readFile(path.join(x, 'index.json'), 'utf8'));
    assert.is(index.manifests[0].digest, digest);
    assert.is(index.manifests[0].annotations['io.containerd.image.name'], 'example.test/hello:1');
    const manifestBytes = await blob(digest);
    assert.is(sha(manifestBytes), digest);
    const manifest = JSON.parse(manifestBytes.toString());
    const configBytes = await blob(manifest.config.digest);
    assert.is(sha(configBytes), manifest.config.digest);
    const config = JSON.parse(configBytes.toString());
    assert.equal(config.config, { Entrypoint: ['/bin/hello'], User: '1000' });
    assert.is(manifest.layers.length, 1);
    const layerBytes = await blob(manifest.layers[0].digest);
    assert.is(sha(layerBytes), manifest.layers[0].digest);
    assert.equal(config.rootfs.diff_ids, [manifest.layers[0].digest]);
    assert.equal(JSON.parse(await readFile(path.join(x, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
    // The same tree gives the same layer: fixed times and owners.
    const again = path.join(dir, 'again.tar');
    await layerFromDir(path.join(dir, 'root'), again);
    assert.is(sha(await readFile(again)), manifest.layers[0].digest);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
