// `kubectl get lv` and `kubectl get sp` with the real kubectl: the header is the CRD's
// additionalPrinterColumns and a row shows the object's values.
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { ignoreNotFound } from './api-errors.ts';
import { REPO_ROOT } from './binaries.ts';
import { connectToSharedControlPlane, uniqueName } from './connect.ts';
import { crdVersion, printerColumns, type CrdManifest, type PrinterColumn } from './crd-schema.ts';
import { kubectl } from './kubectl.ts';
import { installCrds, readManifests } from './manifests.ts';

const CRDS_DIR = path.join(REPO_ROOT, 'crds');
const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');

const rig = connectToSharedControlPlane();
const kc = rig.kubeConfig();
const custom = kc.makeApiClient(CustomObjectsApi);
const test = suite('kubectl printer columns');

interface Created {
  readonly crd: CrdManifest;
  readonly resource: { group: string; version: string; plural: string };
  /** The object as the API server stored it (defaults applied). */
  readonly object: Record<string, unknown> & { metadata: { name: string } };
}
const created = new Map<string, Created>();

/** Creates the first example of `kind` under a fresh name. */
async function createExample(kind: string): Promise<Created> {
  const crd = (await readManifests(CRDS_DIR)).map((m) => m.object as CrdManifest).find((c) => c.spec.names.kind === kind);
  if (!crd) throw new Error(`no CRD for ${kind} in ${CRDS_DIR}`);
  const example = (await readManifests(EXAMPLES_DIR)).find((m) => m.object.kind === kind);
  if (!example) throw new Error(`no ${kind} in ${EXAMPLES_DIR}`);
  const [group, version] = crdVersion(crd).split('/') as [string, string];
  const resource = { group, version, plural: crd.spec.names.plural };
  const body = { ...example.object, metadata: { name: uniqueName(`rig-columns-${kind.toLowerCase()}`) } };
  const object = await custom.createClusterCustomObject({ ...resource, body, fieldValidation: 'Strict' }) as Created['object'];
  const entry = { crd, resource, object };
  created.set(kind, entry);
  return entry;
}

/** A simple `.a.b.c` JSONPath evaluated on `obj`; undefined for anything fancier (filters, indexes). */
function simplePath(obj: unknown, jsonPath: string): unknown {
  if (!/^(\.[A-Za-z0-9_-]+)+$/.test(jsonPath)) return undefined;
  return jsonPath.slice(1).split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

/** Splits kubectl's table into header names and the cells of each row, by the header's column offsets. */
function parseTable(output: string): { header: string[]; rows: string[][] } {
  const [headerLine = '', ...lines] = output.trimEnd().split('\n');
  const header = headerLine.trim().split(/\s{2,}/);
  let from = 0;
  const offsets = header.map((h) => (from = headerLine.indexOf(h, from)));
  const rows = lines.map((line) => offsets.map((o, i) => line.slice(o, offsets[i + 1]).trim()));
  return { header, rows };
}

async function checkColumns(shortName: string, kind: string, wide: boolean): Promise<void> {
  const { crd, object } = created.get(kind) ?? await createExample(kind);
  assert.ok(crd.spec.names.shortNames?.includes(shortName), `${kind} has short name ${shortName}`);
  const columns = printerColumns(crd).filter((c) => wide || !c.priority);
  assert.ok(columns.length > 0, `${kind} declares printer columns`);

  const res = await kubectl(rig.kubeconfigPath, ['get', shortName, object.metadata.name, ...(wide ? ['-o', 'wide'] : [])]);
  const { header, rows } = parseTable(res.stdout);
  assert.equal(header, ['NAME', ...columns.map((c) => c.name.toUpperCase())]);
  assert.is(rows.length, 1);
  const row = rows[0]!;
  assert.is(row[0], object.metadata.name);

  const checked = columns.flatMap((c: PrinterColumn, i) => {
    const value = simplePath(object, c.jsonPath);
    if (value === undefined || c.type === 'date') return [];
    assert.is(row[i + 1], String(value), `column ${c.name} (${c.jsonPath})`);
    return [c.name];
  });
  assert.ok(checked.length > 0, `no column of ${kind} shows a value set in the example: ${res.stdout}`);
}

test.before(async () => {
  try {
    await installCrds(kc, rig.kubeconfigPath, CRDS_DIR);
  } catch (err) {
    console.error(err);
    throw err;
  }
});

test.after(async () => {
  for (const { resource, object } of created.values()) {
    await ignoreNotFound(custom.deleteClusterCustomObject({ ...resource, name: object.metadata.name }));
  }
});

test('kubectl get lv prints the LocalVolume printer columns with the object\'s values', () => checkColumns('lv', 'LocalVolume', false));
test('kubectl get lv -o wide adds the priority columns', () => checkColumns('lv', 'LocalVolume', true));
test('kubectl get sp prints the StoragePool printer columns with the object\'s values', () => checkColumns('sp', 'StoragePool', false));
test('kubectl get sp -o wide adds the priority columns', () => checkColumns('sp', 'StoragePool', true));

test.run();
