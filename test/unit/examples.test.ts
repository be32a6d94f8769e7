import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crdValidators, readYamlObjects, repoRoot } from '../helpers/crd-validator.ts';

const validators = crdValidators();
const exampleFiles = readdirSync(path.join(repoRoot, 'examples')).filter((f) => f.endsWith('.yaml'));
const errorsOf = (obj: Record<string, unknown>) => {
  const v = validators.get(obj.kind as string)!;
  return v(obj) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
};

test('examples cover pools for hdd, ssd and nvme, a PVC with a Pod, and a 2-replica LocalVolume', () => {
  const objects = exampleFiles.flatMap((f) => readYamlObjects(path.join(repoRoot, 'examples', f)));
  const pools = objects
    .filter((o) => o.kind === 'StoragePool')
    .map((o) => o.spec.mediaClass)
    .sort();
  assert.equal(pools, ['hdd', 'nvme', 'ssd']);
  assert.ok(objects.some((o) => o.kind === 'PersistentVolumeClaim'));
  assert.ok(objects.some((o) => o.kind === 'Pod'));
  assert.ok(objects.some((o) => o.kind === 'LocalVolume' && o.spec.replicas === 2));
});

test('every Stratum example validates against its CRD schema', () => {
  for (const f of exampleFiles) {
    for (const obj of readYamlObjects(path.join(repoRoot, 'examples', f))) {
      if (!validators.has(obj.kind)) continue;
      assert.equal(errorsOf(obj), [], `${f}: ${obj.kind}/${obj.metadata.name}`);
    }
  }
});

const goodVolume = () => ({
  apiVersion: 'storage.stratum.dev/v1alpha1',
  kind: 'LocalVolume',
  metadata: { name: 'v' },
  spec: { pool: 'ssd', size: '1Gi' },
});

test('bad LocalVolumes are rejected: negative or garbage size, replicas 0 and 4, unknown field, bad fsType, bad pool name', () => {
  assert.equal(errorsOf(goodVolume()), []);
  // Each a good spec with one field made bad.
  const bad: [string, Record<string, unknown>][] = [
    ['negative size', { size: '-1Gi' }],
    ['garbage size', { size: 'big' }],
    ['replicas 0', { replicas: 0 }],
    ['replicas 4', { replicas: 4 }],
    ['unknown field', { nodeName: 'node-a' }],
    ['bad fsType', { fsType: 'ntfs' }],
    ['bad pool name', { pool: 'My Pool' }],
    ['bad consistency', { consistency: 'eventual' }],
  ];
  for (const [name, change] of bad) {
    const obj = goodVolume();
    Object.assign(obj.spec, change);
    assert.ok(errorsOf(obj).length > 0, `${name} should be rejected`);
  }
});

test('bad StoragePools are rejected: unknown pool field, bad media class, bad backend', () => {
  const pool = (spec: Record<string, unknown>) => ({
    apiVersion: 'storage.stratum.dev/v1alpha1',
    kind: 'StoragePool',
    metadata: { name: 'p' },
    spec,
  });
  assert.equal(errorsOf(pool({ mediaClass: 'ssd' })), []);
  assert.ok(errorsOf(pool({ mediaClass: 'ssd', raid: 5 })).length > 0);
  assert.ok(errorsOf(pool({ mediaClass: 'tape' })).length > 0);
  assert.ok(errorsOf(pool({ mediaClass: 'ssd', backend: 'zfs' })).length > 0);
  assert.ok(errorsOf(pool({ mediaClass: 'ssd', diskSelector: { minSize: '-5G' } })).length > 0);
});

test.run();
