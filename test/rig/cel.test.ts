// The CRDs' CEL rules and strict field validation, enforced by the real API server. The expected
// messages are read from crds/ (the rule each test breaks is chosen here, its text is not).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { apiMessage, ignoreNotFound, statusCode } from './api-errors.ts';
import { CRDS_DIR, EXAMPLES_DIR } from './binaries.ts';
import { connectToSharedControlPlane, uniqueName } from './connect.ts';
import { celMessage, crdVersion, type CelRule, type CrdManifest } from './crd-schema.ts';
import { installCrds, readManifests } from './manifests.ts';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const isTransitionRule = (r: CelRule) => r.rule.includes('oldSelf');

const rig = connectToSharedControlPlane();
const kc = rig.kubeConfig();
const custom = kc.makeApiClient(CustomObjectsApi);
const test = suite('cel rules');

type LocalVolume = { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> };
let crd: CrdManifest;
let resource: { group: string; version: string; plural: string };
let example: LocalVolume;
const created: string[] = [];

test.before(async () => {
  try {
    await installCrds(kc, rig.kubeconfigPath, CRDS_DIR);
    const found = (await readManifests(CRDS_DIR)).map((m) => m.object as CrdManifest).find((c) => c.spec.names.kind === 'LocalVolume');
    if (!found) throw new Error(`no LocalVolume CRD in ${CRDS_DIR}`);
    crd = found;
    const [group, version] = crdVersion(crd).split('/') as [string, string];
    resource = { group, version, plural: crd.spec.names.plural };
    const lv = (await readManifests(EXAMPLES_DIR)).find((m) => m.object.kind === 'LocalVolume');
    if (!lv) throw new Error(`no LocalVolume in ${EXAMPLES_DIR}`);
    example = lv.object as unknown as LocalVolume;
  } catch (err) {
    console.error(err);
    throw err;
  }
});

test.after(async () => {
  for (const name of created) await ignoreNotFound(custom.deleteClusterCustomObject({ ...resource, name }));
});

/** A LocalVolume from the example under a fresh name, with `spec` overrides. */
function volume(spec: Record<string, unknown>): LocalVolume {
  const name = uniqueName('rig-cel');
  created.push(name);
  return { ...example, metadata: { name }, spec: { ...example.spec, ...spec } };
}

const create = (body: LocalVolume) => custom.createClusterCustomObject({ ...resource, body, fieldValidation: 'Strict' });
const patchSpec = (name: string, spec: Record<string, unknown>) =>
  custom.patchClusterCustomObject({ ...resource, name, body: { spec }, fieldValidation: 'Strict' }, MERGE_PATCH);

/** Runs `call`, expects a refusal with `code`, returns the API server's message. */
async function refusal(call: () => Promise<unknown>, code: number): Promise<string> {
  const err = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err !== undefined, 'the API server accepted it');
  assert.is(statusCode(err), code, apiMessage(err));
  return apiMessage(err);
}

let base: LocalVolume;

/** The stored spec, read back from the API server. */
async function storedSpec(name: string): Promise<Record<string, unknown>> {
  const got = (await custom.getClusterCustomObject({ ...resource, name })) as LocalVolume;
  return got.spec;
}

test('a valid LocalVolume is accepted as sent, may grow and change its replica count', async () => {
  base = volume({ size: '2Gi', replicas: 1 });
  await create(base);
  assert.equal(await storedSpec(base.metadata.name), base.spec, 'stored spec equals the one sent');
  await patchSpec(base.metadata.name, { size: '3Gi', replicas: 2 });
  assert.equal(await storedSpec(base.metadata.name), { ...base.spec, size: '3Gi', replicas: 2 }, 'stored spec after the patch');
});

test("shrinking spec.size is refused with the grow-only rule's message", async () => {
  const expected = celMessage(crd, 'spec.size', isTransitionRule, 'compares size with oldSelf');
  const message = await refusal(() => patchSpec(base.metadata.name, { size: '1Gi' }), 422);
  assert.ok(message.includes(expected), `"${message}" carries "${expected}"`);
  assert.is((await storedSpec(base.metadata.name)).size, '3Gi', 'size unchanged');
});

test("changing spec.pool is refused with the immutability rule's message", async () => {
  const expected = celMessage(crd, 'spec.pool', isTransitionRule, 'compares pool with oldSelf');
  const message = await refusal(() => patchSpec(base.metadata.name, { pool: `${String(example.spec.pool)}-other` }), 422);
  assert.ok(message.includes(expected), `"${message}" carries "${expected}"`);
  assert.is((await storedSpec(base.metadata.name)).pool, example.spec.pool, 'pool unchanged');
});

for (const replicas of [0, 4]) {
  test(`replicas: ${replicas} is refused with the replicas rule's message`, async () => {
    const expected = celMessage(crd, 'spec.replicas', (r) => !isTransitionRule(r), 'bounds replicas');
    const message = await refusal(() => create(volume({ replicas })), 422);
    assert.ok(message.includes(expected), `"${message}" carries "${expected}"`);
  });
}

test('an unknown field is refused with fieldValidation=Strict', async () => {
  const message = await refusal(() => create(volume({ rigUnknownField: 'x' })), 400);
  assert.match(message, 'unknown field "spec.rigUnknownField"');
});

test.run();
