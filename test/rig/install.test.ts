// The whole install (charts-gen/) goes into a cluster with one `kubectl apply --server-side`, as a
// user would run it; the configured StoragePools (charts-gen/pools/) follow once the CRDs are
// established. A fresh control plane of its own, not the shared one: "first install" means
// no Stratum CRDs yet, and the install's cluster-wide objects must not leak into other suites.
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { apiMessage } from './api-errors.ts';
import { REPO_ROOT } from './binaries.ts';
import { ControlPlane } from './control-plane.ts';
import { kubectl } from './kubectl.ts';
import { describe, ObjectApi, readManifests, waitForCrdsEstablished } from './manifests.ts';

const INSTALL_DIR = path.join(REPO_ROOT, 'charts-gen');
const POOLS_DIR = path.join(INSTALL_DIR, 'pools');

const test = suite<{ plane?: ControlPlane }>('install', {});

test.before(async (ctx) => {
  try {
    ctx.plane = await ControlPlane.start();
  } catch (err) {
    console.error(err);
    throw err;
  }
});

test.after(async (ctx) => {
  await ctx.plane?.teardown();
});

const apply = (plane: ControlPlane, dir = INSTALL_DIR) => kubectl(plane.kubeconfigPath, ['apply', '--server-side', '-f', dir]);

test('one kubectl apply --server-side -f charts-gen/ installs into a fresh cluster and creates every object', async ({ plane }) => {
  // kubectl maps every object to a resource before it sends any, so charts-gen/ holds no custom
  // resource beside the CRDs (they would fail with "ensure CRDs are installed first").
  const res = await apply(plane!);
  assert.is(res.stderr.trim(), '', 'no warnings');
  const manifests = await readManifests(INSTALL_DIR);
  const applied = res.stdout
    .trim()
    .split('\n')
    .filter((l) => l.endsWith(' serverside-applied'));
  assert.is(applied.length, manifests.length, `one "serverside-applied" line per object:\n${res.stdout}`);
  const objects = ObjectApi.forConfig(plane!.kubeConfig());
  for (const { file, object } of manifests) {
    await objects.read(object).catch((err) => {
      throw new Error(`${describe(object)} from ${file} missing after apply: ${apiMessage(err)}`);
    });
  }
});

test('once the CRDs are established, charts-gen/pools/ creates the configured StoragePools', async ({ plane }) => {
  const kc = plane!.kubeConfig();
  const crds = (await readManifests(INSTALL_DIR)).filter((m) => m.object.kind === 'CustomResourceDefinition');
  await waitForCrdsEstablished(
    kc,
    crds.map((m) => m.object.metadata.name),
  );
  const res = await apply(plane!, POOLS_DIR);
  const pools = await readManifests(POOLS_DIR);
  assert.is(
    res.stdout
      .trim()
      .split('\n')
      .filter((l) => l.endsWith(' serverside-applied')).length,
    pools.length,
    res.stdout,
  );
  const objects = ObjectApi.forConfig(kc);
  for (const { file, object } of pools) {
    await objects.read(object).catch((err) => {
      throw new Error(`${describe(object)} from ${file} missing after apply: ${apiMessage(err)}`);
    });
  }
});

test('applying the install again changes nothing', async ({ plane }) => {
  const res = await apply(plane!);
  const lines = res.stdout.trim().split('\n');
  assert.ok(
    lines.every((l) => l.endsWith(' serverside-applied')),
    res.stdout,
  );
  const diff = await kubectl(plane!.kubeconfigPath, ['diff', '--server-side', '-f', INSTALL_DIR], { okCodes: [0, 1] });
  assert.is(diff.stdout, '', 'kubectl diff shows no change');
});

test.run();
