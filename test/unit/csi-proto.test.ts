// proto/csi/v1/csi.proto is the official spec module's file, unchanged (checked against the
// module); the committed types in src/csi/api/generated are what `npm run gen:csi` makes from it
// today; and the loader serves the three CSI services.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertGeneratedTypesFresh } from '../helpers/generated-types.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/common/exec.ts';
import { CSI_PROTO, loadCsiProto } from '../../src/csi/api/loader.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Go is required anyway (the test control plane is built with it): without it this fails, never skips.
test("csi.proto equals the pinned spec module's file (via the Go module proxy)", async () => {
  const { stdout } = await run(path.join(ROOT, 'scripts/csi-proto'), ['--print'], { timeoutMs: 120_000 });
  const upstream = await readFile(stdout.trim(), 'utf8');
  assert.ok(upstream.includes('package csi.v1;'));
  assert.is(await readFile(CSI_PROTO, 'utf8'), upstream, 'proto/csi/v1/csi.proto drifted from the module: run scripts/csi-proto');
});

test('generated types match a fresh generation from csi.proto', () => assertGeneratedTypesFresh('gen:csi', 'src/csi/api/generated'));

test('loader: Identity, Controller and Node services with the calls Stratum serves', () => {
  const { Identity, Controller, Node } = loadCsiProto().csi.v1;
  assert.equal(Object.keys(Identity.service).sort(), ['GetPluginCapabilities', 'GetPluginInfo', 'Probe']);
  for (const m of [
    'CreateVolume',
    'DeleteVolume',
    'ControllerExpandVolume',
    'GetCapacity',
    'ValidateVolumeCapabilities',
    'ListVolumes',
    'ControllerGetCapabilities',
  ])
    assert.ok(m in Controller.service, m);
  for (const m of [
    'NodeGetInfo',
    'NodeStageVolume',
    'NodeUnstageVolume',
    'NodePublishVolume',
    'NodeUnpublishVolume',
    'NodeExpandVolume',
    'NodeGetVolumeStats',
    'NodeGetCapabilities',
  ])
    assert.ok(m in Node.service, m);
});

test.run();
