import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KIND_DEFINITIONS } from '../../src/api/index.ts';
import { API_GROUP } from '../../src/common/constants.ts';
import { readCrds } from '../helpers/crd-validator.ts';

type Schema = Record<string, any>;
const crds = readCrds();
const byKind = new Map(crds.map((c) => [c.crd.spec.names.kind, c.crd]));
const schemaOf = (kind: string): Schema => byKind.get(kind)!.spec.versions[0]!.schema.openAPIV3Schema;

/** Every schema node says its type (structural schema), except where int-or-string is declared. */
function untyped(node: Schema, at: string, out: string[] = []): string[] {
  if (!node.type && !node['x-kubernetes-int-or-string'] && !node['x-kubernetes-preserve-unknown-fields']) out.push(at);
  for (const [k, v] of Object.entries(node.properties ?? {})) untyped(v as Schema, `${at}.${k}`, out);
  if (node.items) untyped(node.items, `${at}[]`, out);
  if (typeof node.additionalProperties === 'object') untyped(node.additionalProperties, `${at}{}`, out);
  return out;
}

function undocumented(node: Schema, at: string, out: string[] = []): string[] {
  for (const [k, v] of Object.entries(node.properties ?? {})) {
    const child = v as Schema;
    if (at !== '' && !child.description && !child.items?.description) out.push(`${at}.${k}`);
    undocumented(child, `${at}.${k}`, out);
    if (child.items) undocumented(child.items, `${at}.${k}[]`, out);
  }
  return out;
}

const rulesAt = (node: Schema | undefined): string[] =>
  (node?.['x-kubernetes-validations'] ?? []).map((r: { rule: string; message: string }) => `${r.rule} => ${r.message}`);

test('one CRD per kind, in the Stratum group, cluster-scoped, with short names and the stratum category', () => {
  assert.equal(
    crds.map((c) => c.file),
    KIND_DEFINITIONS.map((d) => `${d.plural}.yaml`).sort(),
  );
  const shortNames = new Map([
    ['LocalDisk', 'ld'],
    ['StoragePool', 'sp'],
    ['LocalVolume', 'lv'],
    ['VolumeReplica', 'vr'],
    ['LocalVolumeSnapshot', 'lvsnap'],
  ]);
  for (const { crd } of crds) {
    assert.equal((crd.spec as any).group, API_GROUP);
    assert.equal((crd.spec as any).scope, 'Cluster');
    assert.equal(crd.spec.names.shortNames, [shortNames.get(crd.spec.names.kind)]);
    assert.equal(crd.spec.names.categories, ['stratum']);
  }
});

/** A structural schema never combines `properties` with `additionalProperties` (the API server refuses it). */
function mixesPropertiesAndAdditional(node: Schema, at: string, out: string[] = []): string[] {
  if (node.properties && node.additionalProperties !== undefined) out.push(at);
  for (const [k, v] of Object.entries(node.properties ?? {})) mixesPropertiesAndAdditional(v as Schema, `${at}.${k}`, out);
  if (node.items) mixesPropertiesAndAdditional(node.items, `${at}[]`, out);
  return out;
}

test('every CRD is structural and documents every field', () => {
  for (const { crd } of crds) {
    const schema = crd.spec.versions[0]!.schema.openAPIV3Schema;
    assert.equal(
      mixesPropertiesAndAdditional(schema, crd.spec.names.kind),
      [],
      `${crd.spec.names.kind} mixes properties and additionalProperties`,
    );
    assert.equal(untyped(schema, crd.spec.names.kind), [], `${crd.spec.names.kind} has untyped nodes`);
    assert.equal(undocumented(schema, ''), [], `${crd.spec.names.kind} has fields without a description`);
    assert.not.ok(JSON.stringify(schema).includes('x-kubernetes-preserve-unknown-fields'), 'no field accepts unknown content');
  }
});

test('every CRD has the status subresource, printer columns and an Age column', () => {
  for (const { crd } of crds) {
    const v = crd.spec.versions[0]!;
    assert.ok(v.subresources?.status, `${crd.spec.names.kind} status subresource`);
    assert.ok((v.additionalPrinterColumns ?? []).length >= 4, `${crd.spec.names.kind} printer columns`);
    assert.ok(v.additionalPrinterColumns!.some((c) => c.name === 'Age'));
  }
});

test("every kind shows its Ready condition's reason in kubectl get -o wide (a VolumeReplica that serves but lags its spec says why)", () => {
  for (const { crd } of crds) {
    const columns = crd.spec.versions[0]!.additionalPrinterColumns ?? [];
    assert.ok(
      columns.some((c) => c.name === 'Reason' && c.jsonPath === '.status.conditions[?(@.type=="Ready")].reason'),
      `${crd.spec.names.kind}: ${JSON.stringify(columns.map((c) => c.name))}`,
    );
  }
});

test('LocalVolume carries the CEL rules: size grows only and is positive, replicas 1-3, pool/volumeMode/accessibility immutable', () => {
  const spec = schemaOf('LocalVolume').properties.spec;
  const size = rulesAt(spec.properties.size).join('\n');
  assert.match(size, /quantity\(self\)\.compareTo\(quantity\(oldSelf\)\) >= 0 => spec\.size may only grow/);
  assert.match(size, /isGreaterThan\(quantity\('0'\)\) => must be a positive quantity/);
  assert.match(rulesAt(spec.properties.replicas).join(), /self >= 1 && self <= 3 => spec\.replicas must be 1, 2 or 3/);
  assert.match(rulesAt(spec.properties.pool).join(), /self == oldSelf => spec\.pool is immutable/);
  assert.match(rulesAt(spec.properties.volumeMode).join(), /self == oldSelf => spec\.volumeMode is immutable/);
  assert.match(rulesAt(spec).join(), /accessibility == oldSelf\.accessibility.*=> spec\.accessibility is immutable/);
  assert.match(
    rulesAt(schemaOf('LocalVolume')).join(),
    /self\.metadata\.name\.size\(\) <= 63.*=> a LocalVolume name is a DNS label of at most 63 characters/,
  );
  assert.equal(spec.properties.replicas.minimum, 1);
  assert.equal(spec.properties.replicas.maximum, 3);
  // Placement is status, not spec: the user's levers are size, replicas and evictNodes.
  assert.not.ok('nodeName' in spec.properties || 'node' in spec.properties || 'placement' in spec.properties);
});

test('StoragePool and VolumeReplica rules: immutable backend, thin needs lvm, replica size grows only', () => {
  const pool = schemaOf('StoragePool').properties.spec;
  assert.match(rulesAt(pool.properties.backend).join(), /spec\.backend is immutable/);
  assert.match(rulesAt(pool).join(), /spec\.thin requires backend lvm/);
  assert.match(rulesAt(pool.properties.diskSelector).join(), /minSize must not be larger than maxSize/);
  const replica = schemaOf('VolumeReplica').properties.spec;
  assert.match(rulesAt(replica.properties.size).join(), /spec\.size may only grow/);
  assert.match(rulesAt(replica.properties.node).join(), /spec\.node is immutable/);
});

test('status carries observedGeneration and Ready-style conditions on every kind', () => {
  for (const { crd } of crds) {
    const status = crd.spec.versions[0]!.schema.openAPIV3Schema.properties as Schema;
    assert.ok(status.status.properties.observedGeneration, crd.spec.names.kind);
    const cond = status.status.properties.conditions;
    assert.equal(cond['x-kubernetes-list-map-keys'], ['type']);
    assert.equal(cond.items.required, ['type', 'status', 'lastTransitionTime', 'reason', 'message']);
  }
});

test.run();
