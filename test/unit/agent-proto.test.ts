// The committed TypeScript types in src/agent/api/generated must be what `npm run gen:proto`
// makes from the .proto files today; and the loader must load both services.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/common/exec.ts';
import { loadAgentProto, loadHealthProto } from '../../src/agent/api/loader.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GENERATED = path.join(ROOT, 'src/agent/api/generated');

async function files(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p, base)));
    else out.push(path.relative(base, p));
  }
  return out.sort();
}

test('generated types match a fresh generation from the .proto files', async () => {
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const script = pkg.scripts['gen:proto']!;
  const args = script.split(/\s+/).slice(1).map((a) => (a.startsWith('--outDir=') ? undefined : a)).filter((a): a is string => !!a);
  const out = await mkdtemp(path.join(tmpdir(), 'stratum-proto-'));
  try {
    await run(path.join(ROOT, 'node_modules/.bin/proto-loader-gen-types'), [...args, `--outDir=${out}`], { timeoutMs: 60_000 });
    const fresh = await files(out);
    assert.equal(await files(GENERATED), fresh, 'same file list (run `npm run gen:proto`)');
    for (const f of fresh) {
      assert.is(await readFile(path.join(GENERATED, f), 'utf8'), await readFile(path.join(out, f), 'utf8'), `${f} is stale: run \`npm run gen:proto\``);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('loader: Agent service with every DESIGN.md call, and the health service', () => {
  const methods = Object.keys(loadAgentProto().stratum.agent.v1.Agent.service);
  for (const m of ['GetNodeInfo', 'ListDisks', 'WatchDisks', 'EnsurePool', 'DeletePool', 'CreateVolume', 'ExpandVolume', 'DeleteVolume', 'ListVolumes',
    'ConfigureReplication', 'Promote', 'Demote', 'SendVolume', 'ReceiveVolume']) assert.ok(methods.includes(m), m);
  const svc = loadAgentProto().stratum.agent.v1.Agent.service;
  assert.ok(svc.WatchDisks.responseStream && !svc.WatchDisks.requestStream);
  assert.ok(svc.ReceiveVolume.requestStream && !svc.ReceiveVolume.responseStream);
  assert.equal(Object.keys(loadHealthProto().grpc.health.v1.Health.service).sort(), ['Check', 'Watch']);
});

test.run();
