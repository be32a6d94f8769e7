// Orphans against the real control plane, a real agent (real lvm2 on loop devices) and the
// operator as a process: a volume force-deleted while its agent is down leaves its LV, which is
// reported (pool condition, Event, metric) and never adopted — a new volume of the same name gets
// a fresh LV with its own owner tag — and is removed only once the pool is annotated for it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { LocalVolume, StoragePool, VolumeReplica } from '../../src/api/index.ts';
import { resourcePath } from '../../src/operator/runtime/kube/client.ts';
import { LOCAL_VOLUMES, STORAGE_POOLS, VOLUME_REPLICAS } from '../../src/operator/resources.ts';
import { findCondition } from '../../src/operator/runtime/status.ts';
import { REMOVE_ORPHANS_ANNOTATION } from '../../src/operator/volumes/orphans.ts';
import type { OperatorProcess } from '../helpers/operator-process.ts';
import { TestCluster, reportFailure, waitFor, type ClusterNode } from './support.ts';

const it = suite('operator: orphaned volumes');
let cluster: TestCluster;
let op: OperatorProcess;
let pool: string;
let node: ClusterNode;

const volume = (name: string) => cluster.get<LocalVolume>(LOCAL_VOLUMES, name);
const storagePool = () => cluster.get<StoragePool>(STORAGE_POOLS, pool);

async function lvs(): Promise<{ lv_name: string; lv_tags: string }[]> {
  const out = await node.agent.lvm('lvs', ['--reportformat', 'json', '-o', 'lv_name,lv_tags']);
  return (JSON.parse(out) as { report: { lv: { lv_name: string; lv_tags: string }[] }[] }).report[0]!.lv.filter((l) =>
    l.lv_tags.includes('stratum.volume=vol-o'),
  );
}

async function createVolume(name: string): Promise<string> {
  const v = await cluster.createVolume(name, { pool, size: '64Mi', accessibility: { nodes: [node.name] } });
  await waitFor(`${name} Ready`, async () => (await volume(name))?.status?.phase === 'Ready', 90_000, 250);
  return (v.metadata as { uid?: string }).uid!;
}

it.before(
  reportFailure(async () => {
    cluster = await TestCluster.start({ agents: 1, loopsPerAgent: 1 });
    node = cluster.nodes[0]!;
    pool = `${cluster.prefix}-orph`;
    await cluster.createPool(pool, { mediaClass: 'hdd', backend: 'lvm' });
    op = await cluster.startOperator(undefined, ['--volume-scan-interval-ms', '2000']);
    await waitFor('pool ready', async () => (await storagePool())?.status?.nodeCount === 1, 90_000, 250);
  }),
);

it.after(
  reportFailure(async () => {
    await cluster?.teardown();
  }),
);

it('a force-deleted volume leaves an orphan that is reported, not adopted, and removed only when the pool asks for it', async () => {
  const oldUid = await createVolume('vol-o');
  assert.equal(
    (await lvs()).map((l) => [l.lv_name, l.lv_tags]),
    [['vol-o', `stratum.owner=${oldUid},stratum.volume=vol-o`]],
  );

  await node.agent.stop();
  let down = true;
  try {
    await cluster.client.request('PATCH', resourcePath(LOCAL_VOLUMES, undefined, 'vol-o'), {
      patchType: 'merge',
      body: { metadata: { annotations: { 'storage.stratum.dev/force-delete': 'true' } } },
    });
    await cluster.client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, 'vol-o'));
    await waitFor('vol-o gone (forced)', async () => !(await volume('vol-o')), 90_000, 250);
    await node.agent.start();
    down = false;
  } finally {
    if (down) await node.agent.start();
  }

  const orphaned = await waitFor(
    'pool reports the orphan',
    async () => {
      const c = findCondition((await storagePool())?.status?.conditions, 'Orphans');
      return c?.status === 'True' ? c : undefined;
    },
    60_000,
    250,
  );
  assert.match(orphaned.message, /LV vol-o on node/);
  assert.match(orphaned.message, new RegExp(oldUid));
  assert.is(await op.metric('stratum_orphan_volumes', { node: node.name, pool }), 1);
  const events = await cluster.client.request<{ items: { reason: string; message: string; involvedObject: { name: string } }[] }>(
    'GET',
    '/api/v1/events',
  );
  assert.ok(
    events.items.some((e) => e.involvedObject.name === pool && e.reason === 'OrphanVolume' && e.message.includes('vol-o')),
    'an OrphanVolume Event on the pool',
  );

  // A new volume of the same name: a fresh LV of its own, the old one set aside with its data.
  const newUid = await createVolume('vol-o');
  assert.equal((await lvs()).map((l) => [l.lv_name, l.lv_tags]).sort(), [
    ['vol-o', `stratum.owner=${newUid},stratum.volume=vol-o`],
    ['vol-o_orphan_1', `stratum.owner=${oldUid},stratum.volume=vol-o`],
  ]);
  await waitFor(
    'the orphan is still reported beside the new volume',
    async () => /vol-o_orphan_1/.test(findCondition((await storagePool())?.status?.conditions, 'Orphans')?.message ?? ''),
    30_000,
    250,
  );
  // The scans since removed nothing: there is no annotation yet.
  assert.is((await lvs()).length, 2);

  await cluster.client.request('PATCH', resourcePath(STORAGE_POOLS, undefined, pool), {
    patchType: 'merge',
    body: { metadata: { annotations: { [REMOVE_ORPHANS_ANNOTATION]: 'true' } } },
  });
  await waitFor(
    'orphan removed, condition False',
    async () => findCondition((await storagePool())?.status?.conditions, 'Orphans')?.status === 'False',
    60_000,
    250,
  );
  assert.equal(
    (await lvs()).map((l) => l.lv_name),
    ['vol-o'],
    'only the live volume remains',
  );
  assert.is(await op.metric('stratum_orphan_volumes', { node: node.name, pool }), 0);

  await cluster.client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, 'vol-o'));
  await waitFor('vol-o deleted', async () => !(await volume('vol-o')), 60_000, 250);
  assert.is((await lvs()).length, 0);
  assert.is((await cluster.list<VolumeReplica>(VOLUME_REPLICAS)).filter((r) => r.spec.volume === 'vol-o').length, 0);
});

it.run();
