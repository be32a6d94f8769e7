// The snapshot side of the rig: the VolumeSnapshot CRDs from external-snapshotter's client
// module are Established on the real API server (v1 served and stored), and the rig's
// csi-snapshotter and snapshot-controller binaries run.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/common/exec.ts';
import { rigBinary, snapshotCrdsDir } from './binaries.ts';
import { connectToSharedControlPlane } from './connect.ts';
import { installCrds } from './manifests.ts';

const rig = connectToSharedControlPlane();
const test = suite('snapshot CRDs and sidecars');

test('VolumeSnapshot, VolumeSnapshotContent and VolumeSnapshotClass become Established with v1 served and stored', async () => {
  const crds = await installCrds(rig.kubeConfig(), rig.kubeconfigPath, snapshotCrdsDir());
  assert.equal(crds.map((c) => c.spec.names.kind).sort(), ['VolumeSnapshot', 'VolumeSnapshotClass', 'VolumeSnapshotContent']);
  for (const crd of crds) {
    const v1 = crd.spec.versions.find((v) => v.name === 'v1');
    assert.ok(v1?.served && v1.storage, `${crd.metadata?.name}: v1 served and stored`);
  }
});

test('csi-snapshotter and snapshot-controller run', async () => {
  for (const name of ['csi-snapshotter', 'snapshot-controller'] as const) {
    const { stdout, stderr } = await run(rigBinary(name), ['--help'], { okCodes: [0, 2], timeoutMs: 30_000 });
    assert.match(`${stdout}${stderr}`, /-kubeconfig /, `${name} --help lists its -kubeconfig flag`);
  }
});

test.run();
