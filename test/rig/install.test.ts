// The whole install (charts-gen/) goes into a cluster with one `kubectl apply --server-side`, as a
// user would run it. A fresh control plane of its own, not the shared one: "first install" means
// no Stratum CRDs yet, and the install's cluster-wide objects must not leak into other suites.
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { apiMessage } from './api-errors.ts';
import { REPO_ROOT } from './binaries.ts';
import { ControlPlane } from './control-plane.ts';
import { kubectl } from './kubectl.ts';
import { describe, ObjectApi, readManifests } from './manifests.ts';

const INSTALL_DIR = path.join(REPO_ROOT, 'charts-gen');

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

test('kubectl apply --server-side -f charts-gen/ creates every object of the install in a fresh cluster', async ({ plane }) => {
  const manifests = await readManifests(INSTALL_DIR);
  const res = await kubectl(plane!.kubeconfigPath, ['apply', '--server-side', '-f', INSTALL_DIR]);
  assert.is(res.stderr.trim(), '', 'no warnings');
  const applied = res.stdout.trim().split('\n').filter((l) => l.endsWith(' serverside-applied'));
  assert.is(applied.length, manifests.length, `one "serverside-applied" line per object:\n${res.stdout}`);

  const objects = ObjectApi.forConfig(plane!.kubeConfig());
  for (const { file, object } of manifests) {
    await objects.read(object).catch((err) => { throw new Error(`${describe(object)} from ${file} missing after apply: ${apiMessage(err)}`); });
  }
});

test('applying the install again changes nothing', async ({ plane }) => {
  const res = await kubectl(plane!.kubeconfigPath, ['apply', '--server-side', '-f', INSTALL_DIR]);
  const lines = res.stdout.trim().split('\n');
  assert.ok(lines.every((l) => l.endsWith(' serverside-applied')), res.stdout);
  const diff = await kubectl(plane!.kubeconfigPath, ['diff', '--server-side', '-f', INSTALL_DIR], { okCodes: [0, 1] });
  assert.is(diff.stdout, '', 'kubectl diff shows no change');
});

test.run();
