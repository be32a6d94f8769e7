import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, resolveConfig } from '../../src/manifests/config.ts';
import { SIDECAR_IMAGES } from '../../src/manifests/images.ts';
import { buildApps } from '../../src/manifests/app.ts';
import { repoRoot } from '../helpers/crd-validator.ts';

const refusal = (raw: unknown): string => {
  try {
    resolveConfig(raw, 'stratum.config.yaml');
  } catch (err) {
    assert.instance(err, ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
};

test('an empty configuration gets every default', () => {
  const c = resolveConfig({});
  assert.equal([c.namespace, c.operatorReplicas, c.defaultReplicas, c.logLevel, c.pools], ['stratum-system', 2, 1, 'info', []]);
  assert.equal(c.image.tag, '0.1.0');
});

test('a pool gets its defaults filled in, and user values win', () => {
  const c = resolveConfig({ namespace: 'storage', pools: [{ name: 'fast', mediaClass: 'nvme', replicas: 2 }] });
  assert.equal(c.namespace, 'storage');
  assert.equal(c.pools[0], {
    name: 'fast',
    mediaClass: 'nvme',
    replicas: 2,
    backend: 'lvm',
    thin: false,
    nodeSelector: {},
    defaultClass: false,
    fsType: 'ext4',
  });
});

test('invalid options stop synth with a message naming each option', () => {
  assert.match(refusal({ replicaz: 2 }), /replicaz is not a known option/);
  assert.match(refusal({ pools: [{ name: 'p', mediaClass: 'tape' }] }), /pools\[0\]\.mediaClass must be one of hdd, ssd, nvme/);
  assert.match(refusal({ operatorReplicas: 0 }), /operatorReplicas must be >= 1/);
  assert.match(refusal({ image: { tag: 'has space' } }), /image\.tag must match/);
  assert.match(
    refusal({
      pools: [
        { name: 'a', mediaClass: 'ssd' },
        { name: 'a', mediaClass: 'hdd' },
      ],
    }),
    /pools\[1\]\.name "a" is used by another pool/,
  );
  assert.match(
    refusal({ pools: [{ name: 'a', mediaClass: 'ssd', backend: 'disk', thin: true }] }),
    /pools\[0\]\.thin requires backend lvm/,
  );
  assert.match(
    refusal({
      pools: [
        { name: 'a', mediaClass: 'ssd', defaultClass: true },
        { name: 'b', mediaClass: 'hdd', defaultClass: true },
      ],
    }),
    /only one pool may set defaultClass/,
  );
});

test('options reach the manifests: namespace, image, replicas and one StorageClass per pool', () => {
  const config = resolveConfig({
    namespace: 'storage',
    image: { repository: 'example.org/stratum', tag: '1.2.3' },
    operatorReplicas: 3,
    pools: [
      { name: 'fast', mediaClass: 'nvme', replicas: 2, defaultClass: true },
      { name: 'bulk', mediaClass: 'hdd', storageClassName: 'cheap' },
    ],
  });
  const objects = buildApps(config, '/nonexistent').flatMap((app) => app.charts.flatMap((c) => c.toJson()));
  const dep = objects.find((o) => o.kind === 'Deployment');
  assert.equal(dep.metadata.namespace, 'storage');
  assert.equal(dep.spec.replicas, 3);
  assert.equal(dep.spec.template.spec.containers[0].image, 'example.org/stratum:1.2.3');
  const classes = objects.filter((o) => o.kind === 'StorageClass');
  assert.equal(
    classes.map((c) => c.metadata.name),
    ['stratum-fast', 'cheap'],
  );
  assert.equal(classes[0].parameters.replicas, '2');
  assert.equal(classes[0].metadata.annotations['storageclass.kubernetes.io/is-default-class'], 'true');
  assert.equal(
    objects.filter((o) => o.kind === 'StoragePool').map((p) => p.metadata.name),
    ['fast', 'bulk'],
  );
});

test('every CSI sidecar image is one the test rig builds and tests against, at its version', () => {
  // Keyed by SIDECAR_IMAGES: a new sidecar image without the rig module it is tested as fails the typecheck.
  const rig: Record<keyof typeof SIDECAR_IMAGES, { dir: string; module: string }> = {
    provisioner: { dir: 'csi-provisioner', module: 'github.com/kubernetes-csi/external-provisioner/v6' },
    resizer: { dir: 'csi-resizer', module: 'github.com/kubernetes-csi/external-resizer/v2' },
    snapshotter: { dir: 'csi-snapshotter', module: 'github.com/kubernetes-csi/external-snapshotter/v8' },
  };
  for (const [key, { dir, module }] of Object.entries(rig)) {
    const gomod = readFileSync(path.join(repoRoot, 'test/rig/go', dir, 'go.mod'), 'utf8');
    const version = new RegExp(`(?:require |\t)${module.replace(/\//g, '\\/')} (v[\\d.]+)`).exec(gomod)?.[1];
    const image = SIDECAR_IMAGES[key as keyof typeof SIDECAR_IMAGES];
    assert.ok(version && image.endsWith(`:${version}`), `${image}: the rig builds ${module} ${version}`);
  }
});

test.run();
