// The operator's CSI Controller service against the real control plane, two real agents (real LVM
// metadata on loop devices) and the operator as a real process, called over its unix socket as
// csi-provisioner and csi-resizer call it: create (idempotent, topology, capacity), expand,
// validate, list with pages, capacity per node and pool, delete; and every bad request refused
// with its CSI code while nothing is created; space freed by a deletion usable at once.
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { status } from '@grpc/grpc-js';
import { CSI_DRIVER_NAME, TOPOLOGY_KEY } from '../../src/common/constants.ts';
import type { LocalVolume, StoragePool } from '../../src/api/index.ts';
import { parseQuantity } from '../../src/api/quantity.ts';
import { callCsi, connectCsi, type CsiClients } from '../../src/csi/client.ts';
import { LOCAL_VOLUMES, STORAGE_POOLS } from '../../src/operator/resources.ts';
import { CSI_NAME_ANNOTATION } from '../../src/operator/csi/volume-request.ts';
import { TestCluster, reportFailure, waitFor, type ClusterNode } from './support.ts';

const MiB = 1024 ** 2;
const it = suite('csi: controller service');
let cluster: TestCluster;
let csi: CsiClients;
let pool: string;
const mountCap = { accessMode: { mode: 'SINGLE_NODE_WRITER' as const }, mount: { fsType: 'ext4' } };
const topo = (node: string) => ({ segments: { [TOPOLOGY_KEY]: node } });

const pvcName = (n: string) => `pvc-${cluster.prefix}-${n}`;
const volumes = async () => (await cluster.list<LocalVolume>(LOCAL_VOLUMES)).filter((v) => v.metadata.name!.includes(cluster.prefix));

async function lvsFor(node: ClusterNode, name: string): Promise<string[]> {
  const rows = await node.agent.lvmReport<{ lv_name: string; lv_size: string; lv_tags: string }>('lvs', 'lv_name,lv_size,lv_tags');
  return rows.filter((r) => r.lv_tags.split(',').includes(`stratum.volume=${name}`)).map((r) => r.lv_size);
}

function createReq(name: string, over: Record<string, unknown> = {}) {
  return {
    name,
    capacityRange: { requiredBytes: String(256 * MiB) },
    volumeCapabilities: [mountCap],
    parameters: { pool, 'csi.storage.k8s.io/pvc/name': 'data', 'csi.storage.k8s.io/pvc/namespace': 'app' },
    accessibilityRequirements: {
      requisite: [topo(cluster.nodes[0]!.name), topo(cluster.nodes[1]!.name)],
      preferred: [topo(cluster.nodes[1]!.name)],
    },
    ...over,
  };
}

async function refused(p: Promise<unknown>, code: status, text: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: { code: status; details: string }) => e,
  );
  assert.ok(err, 'expected a refusal');
  assert.is(err.code, code, `${status[err.code]}: ${err.details}`);
  assert.match(err.details, text);
}

it.before(
  reportFailure(async () => {
    cluster = await TestCluster.start({ agents: 2 });
    pool = `${cluster.prefix}-lvm`;
    await cluster.createPool(pool, { mediaClass: 'hdd', backend: 'lvm' });
    const endpoint = `unix://${path.join(cluster.dir, 'csi.sock')}`;
    await cluster.startOperator('operator-0', ['--csi-endpoint', endpoint]);
    csi = connectCsi(endpoint);
    await cluster.poolOnNodes(pool, 2);
  }),
);

it.after(
  reportFailure(async () => {
    csi?.close();
    await cluster?.teardown();
  }),
);

it('identity: plugin name, capabilities, Probe ready while the API server answers', async () => {
  assert.is((await callCsi(csi.identity, 'GetPluginInfo', {})).name, CSI_DRIVER_NAME);
  assert.is((await callCsi(csi.identity, 'Probe', {})).ready?.value, true);
  const caps = await callCsi(csi.controller, 'ControllerGetCapabilities', {});
  assert.equal(caps.capabilities.map((c) => c.rpc?.type).sort(), [
    'CLONE_VOLUME',
    'CREATE_DELETE_SNAPSHOT',
    'CREATE_DELETE_VOLUME',
    'EXPAND_VOLUME',
    'GET_CAPACITY',
    'LIST_SNAPSHOTS',
    'LIST_VOLUMES',
  ]);
});

it('CreateVolume: a LocalVolume on the preferred node, Ready, its LV there; topology returned', async () => {
  const node = cluster.nodes[1]!;
  const res = await callCsi(csi.controller, 'CreateVolume', createReq(pvcName('a')), 60_000);
  assert.is(res.volume!.volumeId, pvcName('a'));
  assert.is(res.volume!.capacityBytes, String(256 * MiB));
  assert.equal(
    res.volume!.accessibleTopology.map((t) => t.segments),
    [{ [TOPOLOGY_KEY]: node.name }],
  );
  assert.equal(res.volume!.volumeContext, { fsType: 'ext4' });
  const lv = (await cluster.get<LocalVolume>(LOCAL_VOLUMES, pvcName('a')))!;
  assert.equal(lv.spec.accessibility, { nodes: [node.name] });
  assert.equal(lv.spec.pvcRef, { namespace: 'app', name: 'data' });
  assert.is(lv.metadata.annotations?.[CSI_NAME_ANNOTATION], pvcName('a'));
  assert.equal(await lvsFor(node, pvcName('a')), [String(256 * MiB)]);
  assert.equal(await lvsFor(cluster.nodes[0]!, pvcName('a')), []);
});

it('CreateVolume again: the same volume, nothing new; different capacity is ALREADY_EXISTS', async () => {
  const again = await callCsi(csi.controller, 'CreateVolume', createReq(pvcName('a')), 60_000);
  assert.is(again.volume!.volumeId, pvcName('a'));
  assert.is((await volumes()).length, 1);
  await refused(
    callCsi(csi.controller, 'CreateVolume', createReq(pvcName('a'), { capacityRange: { requiredBytes: String(512 * MiB) } })),
    status.ALREADY_EXISTS,
    /outside the requested capacity range/,
  );
});

it('a standby operator (not leading) serves the controller too: its sidecars may lead while it does not', async () => {
  const endpoint = `unix://${path.join(cluster.dir, 'csi-standby.sock')}`;
  const standby = await cluster.startOperator('operator-1', ['--csi-endpoint', endpoint]);
  const other = connectCsi(endpoint);
  try {
    await waitFor(
      'standby CSI socket',
      () =>
        callCsi(other.identity, 'Probe', {}).then(
          (r) => r.ready?.value,
          () => false,
        ),
      20_000,
      200,
    );
    const res = await callCsi(
      other.controller,
      'CreateVolume',
      createReq(pvcName('standby'), { capacityRange: { requiredBytes: String(32 * MiB) } }),
      60_000,
    );
    assert.is(res.volume!.volumeId, pvcName('standby'));
    await callCsi(other.controller, 'DeleteVolume', { volumeId: pvcName('standby') }, 60_000);
    assert.is(await cluster.get(LOCAL_VOLUMES, pvcName('standby')), undefined);
    assert.not.ok(
      standby.logs().some((l) => l.msg === 'leading: starting controllers'),
      'operator-1 never led: the leader reconciled',
    );
  } finally {
    other.close();
    await standby.stop();
  }
});

it('a call whose deadline ends before Ready is ABORTED; the retry finds the same object', async () => {
  const name = pvcName('slow');
  const node = cluster.nodes[1]!;
  // The agent frozen (a hung node), the volume cannot become Ready during the call: the controller
  // waits until its margin before the 3 s deadline (1 s) and answers ABORTED, never cut by the deadline.
  node.agent.pause();
  let first: { code: status; details: string } | undefined;
  try {
    first = await callCsi(csi.controller, 'CreateVolume', createReq(name), 3_000).then(
      () => undefined,
      (e: { code: status; details: string }) => e,
    );
  } finally {
    node.agent.resume();
  }
  assert.ok(first, 'the call was answered OK although the agent could not act');
  assert.is(status[first.code], 'ABORTED', first.details);
  assert.match(first.details, new RegExp(`volume ${name} .* is not ready yet .*: retry`));
  const res = await callCsi(csi.controller, 'CreateVolume', createReq(name), 60_000);
  assert.is(res.volume!.volumeId, name);
  assert.is((await volumes()).filter((v) => v.metadata.name === name).length, 1);
  assert.equal(await lvsFor(node, name), [String(256 * MiB)], 'one LV');
});

it('ControllerExpandVolume grows spec.size, the LV and status.capacity; node expansion for Filesystem', async () => {
  const res = await callCsi(
    csi.controller,
    'ControllerExpandVolume',
    { volumeId: pvcName('a'), capacityRange: { requiredBytes: String(512 * MiB) } },
    60_000,
  );
  assert.is(res.capacityBytes, String(512 * MiB));
  assert.is(res.nodeExpansionRequired, true);
  assert.equal(await lvsFor(cluster.nodes[1]!, pvcName('a')), [String(512 * MiB)]);
  await refused(
    callCsi(csi.controller, 'ControllerExpandVolume', { volumeId: pvcName('nope'), capacityRange: { requiredBytes: '1' } }),
    status.NOT_FOUND,
    /does not exist/,
  );
  await refused(
    callCsi(csi.controller, 'ControllerExpandVolume', { volumeId: pvcName('a') }),
    status.INVALID_ARGUMENT,
    /capacity_range is required/,
  );
});

it('ValidateVolumeCapabilities: single-node confirmed, multi-node refused with the reason', async () => {
  const ok = await callCsi(csi.controller, 'ValidateVolumeCapabilities', { volumeId: pvcName('a'), volumeCapabilities: [mountCap] });
  assert.ok(ok.confirmed);
  const multi = await callCsi(csi.controller, 'ValidateVolumeCapabilities', {
    volumeId: pvcName('a'),
    volumeCapabilities: [{ ...mountCap, accessMode: { mode: 'MULTI_NODE_MULTI_WRITER' } }],
  });
  assert.is(multi.confirmed, null);
  assert.match(multi.message, /MULTI_NODE_MULTI_WRITER is not supported.*one node/);
  await refused(
    callCsi(csi.controller, 'ValidateVolumeCapabilities', { volumeId: pvcName('zz'), volumeCapabilities: [mountCap] }),
    status.NOT_FOUND,
    /does not exist/,
  );
});

it('ListVolumes pages through every volume; a foreign token is ABORTED', async () => {
  await callCsi(csi.controller, 'CreateVolume', createReq(pvcName('b'), { capacityRange: { requiredBytes: String(64 * MiB) } }), 60_000);
  const seen: string[] = [];
  let token = '';
  for (let i = 0; i < 100; i++) {
    const page = await callCsi(csi.controller, 'ListVolumes', { maxEntries: 1, startingToken: token });
    assert.ok(page.entries.length <= 1);
    seen.push(...page.entries.map((e) => e.volume!.volumeId));
    token = page.nextToken;
    if (!token) break;
  }
  const mine = seen.filter((n) => n.includes(cluster.prefix));
  assert.equal(mine.sort(), [pvcName('a'), pvcName('b'), pvcName('slow')].sort());
  assert.is(new Set(seen).size, seen.length, 'no volume twice');
  await refused(callCsi(csi.controller, 'ListVolumes', { startingToken: 'invalid-token' }), status.ABORTED, /not issued by this plugin/);
});

it('GetCapacity: per node and pool, from the StoragePool status', async () => {
  // The pool's free space may still follow the last test's volumes: compare answers with the
  // status read just before them, again until no update landed in between.
  let differences: string[] = [];
  const agree = async () => {
    const nodes = (await cluster.get<StoragePool>(STORAGE_POOLS, pool))?.status?.nodes ?? [];
    differences = [];
    for (const node of cluster.nodes) {
      const n = nodes.find((x) => x.node === node.name);
      const res = await callCsi(csi.controller, 'GetCapacity', {
        parameters: { pool },
        accessibleTopology: topo(node.name),
        volumeCapabilities: [mountCap],
      });
      const want = `${parseQuantity(n?.free ?? '0')}/${parseQuantity(n?.allocatable ?? '0')}`;
      const got = `${res.availableCapacity}/${res.maximumVolumeSize?.value ?? 0}`;
      if (!n || want !== got) differences.push(`${node.name}: status free/allocatable ${want}, GetCapacity ${got}`);
    }
    return differences.length === 0;
  };
  await waitFor('GetCapacity to answer what the pool status says', agree, 10_000, 250).catch((err: Error) => {
    throw new Error(`${err.message}: ${differences.join('; ')}`);
  });
  const unknown = await callCsi(csi.controller, 'GetCapacity', { parameters: { pool: `${pool}-none` } });
  assert.is(unknown.availableCapacity, '0');
});

it('bad requests get the CSI code and a clear message; nothing is created', async () => {
  const before = (await volumes()).length;
  await refused(
    callCsi(csi.controller, 'CreateVolume', createReq(pvcName('c1'), { volumeCapabilities: [] })),
    status.INVALID_ARGUMENT,
    /volume_capabilities are required/,
  );
  await refused(
    callCsi(
      csi.controller,
      'CreateVolume',
      createReq(pvcName('c2'), { volumeCapabilities: [{ ...mountCap, accessMode: { mode: 'MULTI_NODE_MULTI_WRITER' } }] }),
    ),
    status.INVALID_ARGUMENT,
    /one node/,
  );
  await refused(
    callCsi(csi.controller, 'CreateVolume', createReq(pvcName('c3'), { parameters: { pool: `${pool}-none` } })),
    status.INVALID_ARGUMENT,
    /StoragePool .*-none does not exist/,
  );
  await refused(
    callCsi(csi.controller, 'CreateVolume', createReq(pvcName('c4'), { capacityRange: { requiredBytes: String(64 * 1024 * MiB) } })),
    status.RESOURCE_EXHAUSTED,
    /can hold at most .* 64Gi asked for/,
  );
  await refused(
    callCsi(
      csi.controller,
      'CreateVolume',
      createReq(pvcName('c5'), { accessibilityRequirements: { requisite: [topo('no-such-node')], preferred: [topo('no-such-node')] } }),
    ),
    status.RESOURCE_EXHAUSTED,
    /not ready on node no-such-node/,
  );
  await refused(
    callCsi(csi.controller, 'CreateVolume', createReq(pvcName('c6'), { parameters: { pool, colour: 'red' } })),
    status.INVALID_ARGUMENT,
    /unknown parameter "colour"/,
  );
  assert.is((await volumes()).length, before, 'no LocalVolume made');
  for (const node of cluster.nodes) for (const n of ['c1', 'c2', 'c3', 'c4', 'c5', 'c6']) assert.equal(await lvsFor(node, pvcName(n)), []);
});

it('snapshots and clones of a thick LVM volume: FAILED_PRECONDITION naming the thin pool that supports them; unknown sources NOT_FOUND; nothing created', async () => {
  await refused(
    callCsi(csi.controller, 'CreateSnapshot', { name: 'snapshot-thick', sourceVolumeId: pvcName('a') }),
    status.FAILED_PRECONDITION,
    new RegExp(
      `volume ${pvcName('a')} is in pool ${pool}, a thick LVM pool: snapshots, restores and clones need a thin LVM pool \\(StoragePool spec.thin: true\\)`,
    ),
  );
  await refused(
    callCsi(csi.controller, 'CreateVolume', createReq(pvcName('clone'), { volumeContentSource: { volume: { volumeId: pvcName('a') } } })),
    status.FAILED_PRECONDITION,
    /a thick LVM pool: snapshots, restores and clones need a thin LVM pool/,
  );
  await refused(
    callCsi(csi.controller, 'CreateSnapshot', { name: 'snapshot-none', sourceVolumeId: pvcName('none') }),
    status.NOT_FOUND,
    /source volume .* does not exist/,
  );
  await refused(
    callCsi(
      csi.controller,
      'CreateVolume',
      createReq(pvcName('restore'), { volumeContentSource: { snapshot: { snapshotId: 'snap-none' } } }),
    ),
    status.NOT_FOUND,
    /source snapshot "snap-none" does not exist/,
  );
  assert.equal((await callCsi(csi.controller, 'ListSnapshots', {})).entries, []);
  await callCsi(csi.controller, 'DeleteSnapshot', { snapshotId: 'snap-none' });
  assert.is(await cluster.get(LOCAL_VOLUMES, pvcName('clone')), undefined);
  assert.is(await cluster.get(LOCAL_VOLUMES, pvcName('restore')), undefined);
});

it('DeleteVolume removes the LocalVolume and the LV; repeats and unknown ids succeed', async () => {
  for (const n of ['a', 'b', 'slow']) {
    await callCsi(csi.controller, 'DeleteVolume', { volumeId: pvcName(n) }, 60_000);
    assert.is(await cluster.get(LOCAL_VOLUMES, pvcName(n)), undefined);
    for (const node of cluster.nodes) assert.equal(await lvsFor(node, pvcName(n)), []);
    await callCsi(csi.controller, 'DeleteVolume', { volumeId: pvcName(n) }, 60_000);
  }
  await callCsi(csi.controller, 'DeleteVolume', { volumeId: 'Not-A-Volume!' });
  await refused(callCsi(csi.controller, 'DeleteVolume', { volumeId: '' }), status.INVALID_ARGUMENT, /volume_id is required/);
});

it('space a deletion frees is there for the next create at once, before the pool would report again', async () => {
  const node = cluster.nodes[0]!;
  const onNode = async () => (await cluster.get<StoragePool>(STORAGE_POOLS, pool))!.status!.nodes!.find((n) => n.node === node.name)!;
  const room = parseQuantity((await onNode()).allocatable!);
  const size = ((room * 3n) / 4n / BigInt(MiB)) * BigInt(MiB);
  const req = (n: string) =>
    createReq(pvcName(n), {
      capacityRange: { requiredBytes: String(size) },
      accessibilityRequirements: { requisite: [topo(node.name)], preferred: [topo(node.name)] },
    });
  await callCsi(csi.controller, 'CreateVolume', req('first'), 60_000);
  await waitFor('the pool reports the volume', async () => parseQuantity((await onNode()).allocatable ?? '0') < size, 60_000, 250);
  await callCsi(csi.controller, 'DeleteVolume', { volumeId: pvcName('first') }, 60_000);
  const second = await callCsi(csi.controller, 'CreateVolume', req('second'), 60_000);
  assert.is(second.volume!.volumeId, pvcName('second'));
  await callCsi(csi.controller, 'DeleteVolume', { volumeId: pvcName('second') }, 60_000);
});

it.run();
