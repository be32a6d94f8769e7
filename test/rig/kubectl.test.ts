// `kubectl get lv`, `sp`, `vr` and `ld` with the real kubectl: the header is the CRD's
// additionalPrinterColumns and a row shows the object's values. Each example gets a full status
// (through the status subresource, as the operator writes it) so that every column — the Ready
// condition's status and reason included — has a value to compare; a non-Ready condition listed
// first proves the Ready columns pick the Ready one.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { ignoreNotFound } from './api-errors.ts';
import { CRDS_DIR, EXAMPLES_DIR } from './binaries.ts';
import { connectToSharedControlPlane, uniqueName } from './connect.ts';
import { crdVersion, printerColumns, type CrdManifest, type PrinterColumn } from './crd-schema.ts';
import { kubectl } from './kubectl.ts';
import { installCrds, readManifests } from './manifests.ts';

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

const TIME = '2026-01-02T03:04:05Z';
const condition = (type: string, status: string, reason: string) => ({
  type,
  status,
  reason,
  message: `${type} is ${status}: ${reason}`,
  lastTransitionTime: TIME,
});

/** A status with every field a printer column shows, as the operator would write it. */
const STATUS: Record<string, Record<string, unknown>> = {
  LocalVolume: {
    phase: 'Degraded',
    capacity: '20Gi',
    filesystem: { type: 'xfs', capacity: '19.9Gi', node: 'node-a' },
    primaryNode: 'node-a',
    observedGeneration: 1,
    conditions: [condition('Expanded', 'True', 'Grown'), condition('Ready', 'False', 'NotInSync')],
  },
  StoragePool: {
    nodeCount: 3,
    diskCount: 7,
    total: '12Ti',
    free: '5Ti',
    observedGeneration: 1,
    conditions: [condition('Degraded', 'False', 'AllNodesUp'), condition('Ready', 'True', 'Available')],
  },
  VolumeReplica: {
    state: 'Ready',
    devicePath: '/dev/drbd1000',
    syncPercent: 100,
    role: 'Primary',
    connection: 'Connecting',
    diskState: 'UpToDate',
    observedGeneration: 1,
    conditions: [condition('Replicating', 'False', 'PeerUnreachable'), condition('Ready', 'False', 'WaitingForPeers')],
  },
  LocalDisk: {
    devicePath: '/dev/sdb',
    capacity: '1788Gi',
    mediaClass: 'ssd',
    state: 'InUse',
    pool: 'ssd',
    observedGeneration: 1,
    conditions: [condition('Healthy', 'True', 'NoErrors'), condition('Ready', 'True', 'Available')],
  },
};
/** Kinds only the operator writes have no example to start from: the spec it would give them. */
const OPERATOR_WRITTEN: Record<string, Record<string, unknown>> = {
  VolumeReplica: { volume: 'db-data', node: 'node-a', pool: 'ssd', size: '20Gi', role: 'primary' },
  LocalDisk: { nodeName: 'node-a' },
};
/** Spec fields a column shows but the example leaves unset. */
const SPEC: Record<string, Record<string, unknown>> = {
  LocalVolume: { pvcRef: { namespace: 'apps', name: 'db-data-claim' } },
};

/** Creates the first example of `kind` under a fresh name and writes its status. */
async function createExample(kind: string): Promise<Created> {
  const crd = (await readManifests(CRDS_DIR)).map((m) => m.object as CrdManifest).find((c) => c.spec.names.kind === kind);
  if (!crd) throw new Error(`no CRD for ${kind} in ${CRDS_DIR}`);
  const [group, version] = crdVersion(crd).split('/') as [string, string];
  const written = OPERATOR_WRITTEN[kind];
  const example = written
    ? { apiVersion: `${group}/${version}`, kind, spec: written }
    : (await readManifests(EXAMPLES_DIR)).find((m) => m.object.kind === kind)?.object;
  if (!example) throw new Error(`no ${kind} in ${EXAMPLES_DIR}`);
  const resource = { group, version, plural: crd.spec.names.plural };
  const spec = { ...(example as { spec?: object }).spec, ...SPEC[kind] };
  const body = { ...example, spec, metadata: { name: uniqueName(`rig-columns-${kind.toLowerCase()}`) } };
  const stored = (await custom.createClusterCustomObject({ ...resource, body, fieldValidation: 'Strict' })) as Created['object'];
  const object = (await custom.replaceClusterCustomObjectStatus({
    ...resource,
    name: stored.metadata.name,
    body: { ...stored, status: STATUS[kind] },
    fieldValidation: 'Strict',
  })) as Created['object'];
  assert.equal(object.status, STATUS[kind], `${kind} status stored as written`);
  const entry = { crd, resource, object };
  created.set(kind, entry);
  return entry;
}

/**
 * The value at a printer column's JSONPath: `.a.b.c`, optionally through one list filter
 * `.list[?(@.key=="value")].field` (the Ready-condition columns). Throws on anything else, so a
 * column can never go unchecked.
 */
function columnValue(obj: unknown, jsonPath: string): unknown {
  const m = /^((?:\.[A-Za-z0-9_-]+)+)(?:\[\?\(@\.([A-Za-z0-9_-]+)=="([^"]*)"\)\]((?:\.[A-Za-z0-9_-]+)+))?$/.exec(jsonPath);
  if (!m) throw new Error(`column path ${jsonPath} is not understood by this test: extend columnValue`);
  const walk = (o: unknown, p: string) =>
    p
      .slice(1)
      .split('.')
      .reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), o);
  const at = walk(obj, m[1]!);
  if (m[2] === undefined) return at;
  const item = (Array.isArray(at) ? at : []).find((x: Record<string, unknown>) => String(x[m[2]!]) === m[3]);
  return item === undefined ? undefined : walk(item, m[4]!);
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
  const { crd, object } = created.get(kind) ?? (await createExample(kind));
  assert.ok(crd.spec.names.shortNames?.includes(shortName), `${kind} has short name ${shortName}`);
  const columns = printerColumns(crd).filter((c) => wide || !c.priority);
  assert.ok(columns.length > 0, `${kind} declares printer columns`);

  const res = await kubectl(rig.kubeconfigPath, ['get', shortName, object.metadata.name, ...(wide ? ['-o', 'wide'] : [])]);
  const { header, rows } = parseTable(res.stdout);
  assert.equal(header, ['NAME', ...columns.map((c) => c.name.toUpperCase())]);
  assert.is(rows.length, 1);
  const row = rows[0]!;
  assert.is(row[0], object.metadata.name);

  columns.forEach((c: PrinterColumn, i) => {
    const cell = row[i + 1];
    if (c.type === 'date') {
      // kubectl shows a date column as an age: seconds (or minutes, on a slow machine) old here.
      assert.match(cell ?? '', /^\d+s$|^\d+m(\d+s)?$/, `column ${c.name} (${c.jsonPath}) shows an age: ${res.stdout}`);
      return;
    }
    const value = columnValue(object, c.jsonPath);
    assert.ok(value !== undefined && value !== '', `column ${c.name} (${c.jsonPath}) has a value to compare: set it in STATUS or SPEC`);
    assert.is(cell, String(value), `column ${c.name} (${c.jsonPath})`);
  });
  // The Reason column must show the Ready condition's reason, read here without the column's own
  // path: a path picking another condition (a decoy is listed first) would agree with itself.
  const reasonAt = columns.findIndex((c) => c.name === 'Reason');
  const ready = (STATUS[kind]?.conditions as { type: string; reason: string }[] | undefined)?.find((c) => c.type === 'Ready');
  if (reasonAt >= 0) assert.is(row[reasonAt + 1], ready?.reason, 'the Reason column shows the Ready condition');
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

test("kubectl get lv prints every LocalVolume printer column with the object's values, status included", () =>
  checkColumns('lv', 'LocalVolume', false));
test('kubectl get lv -o wide adds the priority columns', () => checkColumns('lv', 'LocalVolume', true));
test("kubectl get sp prints every StoragePool printer column with the object's values, status included", () =>
  checkColumns('sp', 'StoragePool', false));
test('kubectl get sp -o wide adds the priority columns', () => checkColumns('sp', 'StoragePool', true));
test("kubectl get vr prints every VolumeReplica printer column; -o wide adds the Ready condition's reason and the device", async () => {
  await checkColumns('vr', 'VolumeReplica', false);
  await checkColumns('vr', 'VolumeReplica', true);
});
test("kubectl get ld prints every LocalDisk printer column; -o wide adds the Ready condition's reason and the device", async () => {
  await checkColumns('ld', 'LocalDisk', false);
  await checkColumns('ld', 'LocalDisk', true);
});

test.run();
