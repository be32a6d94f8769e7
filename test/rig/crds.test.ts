// crds/ and examples/ against the real API server: every CRD becomes Established, and every
// example is accepted as a user would apply it (kubectl, server-side, strict field validation).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { apiMessage, ignoreNotFound } from './api-errors.ts';
import { CRDS_DIR, EXAMPLES_DIR } from './binaries.ts';
import { connectToSharedControlPlane, uniqueName } from './connect.ts';
import { kubectl } from './kubectl.ts';
import { describe, FIELD_MANAGER, installCrds, ObjectApi, readManifests, type Manifest } from './manifests.ts';
import { createTestNamespace, deleteTestNamespace } from './namespace.ts';
import { findCondition } from '../../src/operator/runtime/status.ts';

const rig = connectToSharedControlPlane();
const kc = rig.kubeConfig();
const objects = ObjectApi.forConfig(kc);
const test = suite('crds and examples');

let namespace = '';
let tmp = '';
let applied: Manifest['object'][] = [];

test.after(async () => {
  for (const object of applied) await ignoreNotFound(objects.delete(object, undefined, undefined, 0));
  if (namespace) await deleteTestNamespace(kc, namespace);
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('every CRD in crds/ becomes Established', async () => {
  const files = await readManifests(CRDS_DIR);
  const established = await installCrds(kc, rig.kubeconfigPath, CRDS_DIR);
  assert.equal(
    established.map((c) => c.metadata?.name),
    files.map((f) => f.object.metadata.name),
  );
  for (const crd of established) {
    const names = findCondition(crd.status?.conditions, 'NamesAccepted');
    assert.is(names?.status, 'True', `${crd.metadata?.name} names accepted`);
  }
});

test('every object in examples/ is accepted by kubectl apply --server-side (strict field validation)', async () => {
  namespace = await createTestNamespace(kc, 'rig-examples');
  tmp = await mkdtemp(path.join(tmpdir(), 'rig-examples-'));
  // Cluster-scoped objects get a unique name (other tests share the plane); namespaced ones go
  // to the test's namespace under their own names.
  const manifests = await readManifests(EXAMPLES_DIR);
  const suffix = uniqueName('x').slice(2);
  const prepared = await Promise.all(
    manifests.map(async ({ object }) => {
      const copy = structuredClone(object);
      if (await objects.isNamespaced(copy)) copy.metadata.namespace = namespace;
      else copy.metadata.name = `${copy.metadata.name}-${suffix}`;
      return copy;
    }),
  );
  const file = path.join(tmp, 'examples.yaml');
  await writeFile(file, prepared.map((o) => stringify(o)).join('---\n'));

  applied = prepared;
  const res = await kubectl(rig.kubeconfigPath, [
    'apply',
    '--server-side',
    `--field-manager=${FIELD_MANAGER}`,
    '--validate=strict',
    '-f',
    file,
  ]);
  assert.is(res.stderr.trim(), '', 'no warnings (e.g. unknown or duplicate fields)');

  for (const object of prepared) {
    const stored = await objects.read(object).catch((err) => {
      throw new Error(`${describe(object)} missing after apply: ${apiMessage(err)}`);
    });
    assert.ok(stored.metadata?.uid, describe(object));
  }
});

test.run();
