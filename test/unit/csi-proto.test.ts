// proto/csi/v1/csi.proto is the official spec module's file, unchanged (checked against the module
// when Go is on the machine); the committed types in src/csi/api/generated are what `npm run
// gen:csi` makes from it today; and the loader serves the three CSI services.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/common/exec.ts';
import { CSI_PROTO, loadCsiProto } from '../../src/csi/api/loader.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GENERATED = path.join(ROOT, 'src/csi/api/generated');

async function files(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p, base)));
    else out.push(path.relative(base, p));
  }
  return out.sort();
}

const hasGo = await run('go', ['version'], { timeoutMs: 10_000 }).then(() => true, () => false);

test('csi.proto equals the pinned spec module\'s file (via the Go module proxy)', async () => {
  if (!hasGo) {
    process.stdout.write('  (go not installed: module comparison skipped)\n');
    return;
  }
  const { stdout } = await run(path.join(ROOT, 'scripts/csi-proto'), ['--print'], { timeoutMs: 120_000 });
  const upstream = await readFile(stdout.trim(), 'utf8');
  assert.ok(upstream.includes('package csi.v1;'));
  assert.is(await readFile(CSI_PROTO, 'utf8'), upstream, 'proto/csi/v1/csi.proto drifted from the module: run scripts/csi-proto');
});

test('generated types match a fresh generation from csi.proto', async () => {
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const args = pkg.scripts['gen:csi']!.split(/\s+/).slice(1).filter((a) => !a.startsWith('--outDir='));
  const out = await mkdtemp(path.join(tmpdir(), 'stratum-csi-proto-'));
  try {
    await run(path.join(ROOT, 'node_modules/.bin/proto-loader-gen-types'), [...args, `--outDir=${out}`], { timeoutMs: 60_000 });
    const fresh = await files(out);
    assert.equal(await files(GENERATED), fresh, 'same file list (run `npm run gen:csi`)');
    for (const f of fresh) assert.is(await readFile(path.join(GENERATED, f), 'utf8'), await readFile(path.join(out, f), 'utf8'), `${f} is stale: run \`npm run gen:csi\``);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('loader: Identity, Controller and Node services with the calls Stratum serves', () => {
  const { Identity, Controller, Node } = loadCsiProto().csi.v1;
  assert.equal(Object.keys(Identity.service).sort(), ['GetPluginCapabilities', 'GetPluginInfo', 'Probe']);
  for (const m of ['CreateVolume', 'DeleteVolume', 'ControllerExpandVolume', 'GetCapacity', 'ValidateVolumeCapabilities', 'ListVolumes', 'ControllerGetCapabilities']) assert.ok(m in Controller.service, m);
  for (const m of ['NodeGetInfo', 'NodeStageVolume', 'NodeUnstageVolume', 'NodePublishVolume', 'NodeUnpublishVolume', 'NodeExpandVolume', 'NodeGetVolumeStats', 'NodeGetCapabilities']) assert.ok(m in Node.service, m);
});

test.run();
