// CreateVolume request → LocalVolume: names, capacity, capabilities, parameters, topology, and
// ListVolumes tokens. Every refusal carries the CSI-specified code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { status as Status } from '@grpc/grpc-js';
import { TOPOLOGY_KEY } from '../../src/common/constants.ts';
import { refusal } from '../helpers/csi-refusal.ts';
import { capabilityProblem } from '../../src/csi/access.ts';
import type { CreateVolumeRequest__Output } from '../../src/csi/api/generated/csi/v1/CreateVolumeRequest.ts';
import type { VolumeCapability__Output } from '../../src/csi/api/generated/csi/v1/VolumeCapability.ts';
import {
  DEFAULT_VOLUME_BYTES,
  decodeToken,
  encodeToken,
  fitsRange,
  parseCreateVolume,
  sizeFor,
  topologyNodes,
  volumeName,
} from '../../src/operator/csi/volume-request.ts';

const mount = (mode = 'SINGLE_NODE_WRITER', fsType = ''): VolumeCapability__Output =>
  ({ accessMode: { mode }, mount: { fsType, mountFlags: [], volumeMountGroup: '' }, accessType: 'mount' }) as VolumeCapability__Output;
const block = (mode = 'SINGLE_NODE_WRITER'): VolumeCapability__Output =>
  ({ accessMode: { mode }, block: {}, accessType: 'block' }) as VolumeCapability__Output;
const seg = (node: string) => ({ segments: { [TOPOLOGY_KEY]: node } });

function request(over: Partial<CreateVolumeRequest__Output> = {}): CreateVolumeRequest__Output {
  return {
    name: 'pvc-0b7f2c3e-1111-2222-3333-444455556666',
    capacityRange: { requiredBytes: String(5n * 1024n ** 3n), limitBytes: '0' },
    volumeCapabilities: [mount()],
    parameters: { pool: 'fast' },
    secrets: {},
    volumeContentSource: null,
    accessibilityRequirements: null,
    mutableParameters: {},
    ...over,
  };
}

test('a provisioner request becomes a LocalVolume spec', async () => {
  const r = parseCreateVolume(
    request({
      parameters: {
        pool: 'fast',
        replicas: '2',
        'csi.storage.k8s.io/pvc/name': 'data',
        'csi.storage.k8s.io/pvc/namespace': 'app',
        'csi.storage.k8s.io/pv/name': 'pvc-x',
      },
      volumeCapabilities: [mount('SINGLE_NODE_WRITER', 'xfs')],
      accessibilityRequirements: { requisite: [seg('n1'), seg('n2'), seg('n3')], preferred: [seg('n2'), seg('n1')] },
    }),
  );
  assert.is(r.name, 'pvc-0b7f2c3e-1111-2222-3333-444455556666', 'provisioner names are kept');
  assert.equal(r.spec, {
    pool: 'fast',
    size: '5Gi',
    replicas: 2,
    volumeMode: 'Filesystem',
    fsType: 'xfs',
    consistency: 'sync',
    accessibility: { nodes: ['n2', 'n1'] },
    pvcRef: { namespace: 'app', name: 'data' },
  });
});

test("single replica: only the scheduler's node; block capability → Block; default ext4", () => {
  const r = parseCreateVolume(
    request({ volumeCapabilities: [block()], accessibilityRequirements: { requisite: [seg('n1'), seg('n2')], preferred: [seg('n2')] } }),
  );
  assert.equal(r.spec.accessibility, { nodes: ['n2'] });
  assert.is(r.spec.volumeMode, 'Block');
  assert.is(parseCreateVolume(request()).spec.fsType, 'ext4');
});

test('names: DNS labels kept, anything else hashed stably into one', async () => {
  assert.is(volumeName('pvc-abc'), 'pvc-abc');
  const odd = volumeName('sanity-controller-create-twice-0A1B2C3D-4E5F6071');
  assert.match(odd, /^csi-[0-9a-f]{40}$/);
  assert.is(volumeName('sanity-controller-create-twice-0A1B2C3D-4E5F6071'), odd);
  assert.is.not(volumeName('Sanity'), volumeName('sanity-other'));
  assert.match(volumeName('x'.repeat(64)), /^csi-/);
  assert.match(volumeName('snapshot-1'), /^csi-/, 'LVM-reserved prefixes are hashed too');
});

test('capacity: required wins, default capped by the limit, inverted range is OUT_OF_RANGE', async () => {
  assert.is(sizeFor(null), DEFAULT_VOLUME_BYTES);
  assert.is(sizeFor({ requiredBytes: '0', limitBytes: '1048576' }), 1048576n);
  assert.is(sizeFor({ requiredBytes: '2048', limitBytes: '0' }), 2048n);
  await refusal(() => sizeFor({ requiredBytes: '10', limitBytes: '5' }), Status.OUT_OF_RANGE, /exceeds limit_bytes/);
  assert.ok(fitsRange(10n, { requiredBytes: '10', limitBytes: '0' }));
  assert.not.ok(fitsRange(9n, { requiredBytes: '10', limitBytes: '0' }));
  assert.not.ok(fitsRange(11n, { requiredBytes: '10', limitBytes: '10' }));
});

test('capacity: raised to what the filesystem needs when the limit allows, OUT_OF_RANGE when it does not', async () => {
  const xfs = 300n << 20n;
  assert.is(sizeFor({ requiredBytes: String(100 << 20), limitBytes: '0' }, xfs, 'an xfs filesystem'), xfs);
  assert.is(sizeFor({ requiredBytes: String(1 << 30), limitBytes: '0' }, xfs), 1n << 30n, 'larger than the minimum: as asked');
  await refusal(
    () => sizeFor({ requiredBytes: '0', limitBytes: String(200 << 20) }, xfs, 'an xfs filesystem'),
    Status.OUT_OF_RANGE,
    /an xfs filesystem needs at least 314572800 bytes; capacity_range limit_bytes 209715200 is below it/,
  );
  const small = { requiredBytes: String(64 << 20), limitBytes: '0' };
  assert.is(
    parseCreateVolume(request({ capacityRange: small, volumeCapabilities: [mount('SINGLE_NODE_WRITER', 'xfs')] })).spec.size,
    '300Mi',
  );
  assert.is(
    parseCreateVolume(request({ capacityRange: small, volumeCapabilities: [mount('SINGLE_NODE_WRITER', 'ext4')] })).spec.size,
    '64Mi',
  );
});

test('refusals name the problem with INVALID_ARGUMENT', async () => {
  await refusal(() => parseCreateVolume(request({ name: '' })), Status.INVALID_ARGUMENT, /name is required/);
  await refusal(() => parseCreateVolume(request({ volumeCapabilities: [] })), Status.INVALID_ARGUMENT, /volume_capabilities are required/);
  await refusal(
    () => parseCreateVolume(request({ volumeCapabilities: [mount('MULTI_NODE_MULTI_WRITER')] })),
    Status.INVALID_ARGUMENT,
    /MULTI_NODE_MULTI_WRITER is not supported.*one node/,
  );
  await refusal(
    () => parseCreateVolume(request({ volumeCapabilities: [mount(), block()] })),
    Status.INVALID_ARGUMENT,
    /both block and mount/,
  );
  await refusal(
    () => parseCreateVolume(request({ volumeCapabilities: [mount('SINGLE_NODE_WRITER', 'btrfs')] })),
    Status.INVALID_ARGUMENT,
    /btrfs is not supported/,
  );
  await refusal(() => parseCreateVolume(request({ parameters: {} })), Status.INVALID_ARGUMENT, /"pool" is required/);
  await refusal(
    () => parseCreateVolume(request({ parameters: { pool: 'fast', colour: 'red' } })),
    Status.INVALID_ARGUMENT,
    /unknown parameter "colour"/,
  );
  await refusal(
    () => parseCreateVolume(request({ parameters: { pool: 'fast', replicas: '4' } })),
    Status.INVALID_ARGUMENT,
    /replicas "4" must be 1 to 3/,
  );
  await refusal(
    () => topologyNodes({ requisite: [{ segments: { zone: 'a' } }], preferred: [] }),
    Status.INVALID_ARGUMENT,
    /topology segment/,
  );
});

test('access modes: single-node only, with the reason for multi-node', async () => {
  assert.is(capabilityProblem(mount('SINGLE_NODE_READER_ONLY')), undefined);
  assert.is(capabilityProblem(block()), undefined);
  assert.match(capabilityProblem(mount('MULTI_NODE_READER_ONLY'))!, /reachable from that node only/);
  assert.match(capabilityProblem({ accessMode: { mode: 'SINGLE_NODE_WRITER' } } as VolumeCapability__Output)!, /neither mount nor block/);
});

test('ListVolumes tokens round-trip; a foreign token is ABORTED', async () => {
  assert.is(decodeToken(encodeToken('pvc-1')), 'pvc-1');
  assert.is(decodeToken(''), '');
  await refusal(() => decodeToken('invalid-token'), Status.ABORTED, /not issued by this plugin/);
});

test.run();
