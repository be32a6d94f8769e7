// Issue 18 against the real API server and the operator as a real process: a StoragePool applied
// after install gets a StorageClass owned by the pool; a pool that already has a Stratum class,
// or opts out by annotation, gets none.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CSI_DRIVER_NAME } from '../../src/common/constants.ts';
import type { StoragePool } from '../../src/api/index.ts';
import { STORAGE_CLASSES, STORAGE_POOLS } from '../../src/operator/resources.ts';
import type { StorageClass } from '../../src/operator/pools/capacity.ts';
import { NO_STORAGE_CLASS_ANNOTATION, poolStorageClassName } from '../../src/operator/pools/storage-class.ts';
import { resourcePath } from '../../src/operator/runtime/kube/client.ts';
import { TestCluster, reportFailure, sleep, waitFor } from './support.ts';

const it = suite('operator: a StorageClass per pool');
let cluster: TestCluster;
const made: string[] = [];

// Selects no node: the pool needs no agent, only the API server.
const poolObject = (name: string, annotations: Record<string, string> = {}): StoragePool => ({
  apiVersion: 'storage.stratum.dev/v1alpha1',
  kind: 'StoragePool',
  metadata: { name, annotations },
  spec: { mediaClass: 'hdd', backend: 'lvm', thin: false, nodeSelector: { matchLabels: { 'test.stratum.dev/none': 'none' } } },
});
const storageClass = (name: string) => cluster.get<StorageClass>(STORAGE_CLASSES, name);

it.before(
  reportFailure(async () => {
    cluster = await TestCluster.start({ agents: 1, loopsPerAgent: 1 });
    await cluster.startOperator();
  }),
);

it.after(async () => {
  for (const name of made) await cluster?.client.request('DELETE', resourcePath(STORAGE_CLASSES, undefined, name)).catch(() => undefined);
  await cluster?.teardown();
});

it('a pool applied after install gets stratum-<pool>, owned by the pool', async () => {
  const name = `${cluster.prefix}-late`;
  made.push(poolStorageClassName(name));
  const pool = await cluster.create(STORAGE_POOLS, poolObject(name));
  const sc = await waitFor(`StorageClass ${poolStorageClassName(name)}`, () => storageClass(poolStorageClassName(name)), 60_000, 200);
  assert.is(sc.provisioner, CSI_DRIVER_NAME);
  assert.equal(sc.parameters, { pool: name });
  const owner = sc.metadata.ownerReferences?.[0];
  assert.ok(owner, 'owner reference');
  assert.is(owner.kind, 'StoragePool');
  assert.is(owner.name, name);
  assert.is(owner.uid, pool.metadata.uid);
});

it('a pool that opts out, or already has a Stratum class, gets none', async () => {
  const optOut = `${cluster.prefix}-optout`;
  const covered = `${cluster.prefix}-covered`;
  const witness = `${cluster.prefix}-witness`;
  made.push(poolStorageClassName(optOut), poolStorageClassName(covered), poolStorageClassName(witness));
  await cluster.createStorageClass(`${covered}-sc`, { pool: covered });
  // Let the class reach the operator's cache before the pool that it covers arrives.
  await sleep(2_000);
  await cluster.create(STORAGE_POOLS, poolObject(optOut, { [NO_STORAGE_CLASS_ANNOTATION]: 'true' }));
  await cluster.create(STORAGE_POOLS, poolObject(covered));
  // The same queue handles pools in order: once a later pool has its class, the earlier ones are settled.
  await cluster.create(STORAGE_POOLS, poolObject(witness));
  await waitFor(`StorageClass ${poolStorageClassName(witness)}`, () => storageClass(poolStorageClassName(witness)), 60_000, 200);
  await sleep(1_000);
  assert.is(await storageClass(poolStorageClassName(optOut)), undefined, 'opted-out pool got a class');
  assert.is(await storageClass(poolStorageClassName(covered)), undefined, 'covered pool got a second class');
});

it.run();
