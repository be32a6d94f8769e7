// What an agent hands out is the asking volume's alone: an LV is taken over only by the volume
// whose UID its owner tag carries (any other is set aside as an orphan, listed, and removable
// only by name); a delete queued behind a create of the same volume finds it; a reused disk shows
// none of its previous tenant's bytes at its start or end.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { open } from 'node:fs/promises';
import { status } from '@grpc/grpc-js';
import { callAgent, refused, withAgentHarness, type TestAgent } from '../helpers/agent-harness.ts';
import { WIPE_EDGE_BYTES } from '../../src/agent/volumes/wipe.ts';

const MiB = 1024 ** 2;
const VG = 'stratum-own';
const OLD_UID = '11111111-2222-3333-4444-555555555555';
const NEW_UID = '66666666-7777-8888-9999-000000000000';
const t = suite('agent volume ownership, delete ordering, disk wipe');

let a: TestAgent;
let diskDevice: string;

withAgentHarness(t, { agents: 1, loopsPerAgent: 2, loopSizeBytes: 512 * MiB }, async (harness) => {
  a = harness.agents[0]!;
  const [lvmLoop, diskLoop] = a.attached;
  diskDevice = diskLoop!.device;
  await callAgent(a.client, 'EnsurePool', { name: 'own', backend: 'POOL_BACKEND_LVM', disks: [lvmLoop!.device] });
  await callAgent(a.client, 'EnsurePool', { name: 'whole', backend: 'POOL_BACKEND_DISK', disks: [diskDevice] });
});

async function lvs(): Promise<{ lv_name: string; lv_tags: string }[]> {
  const out = await a.lvm('lvs', ['--reportformat', 'json', '-o', 'lv_name,lv_tags', VG]);
  return (JSON.parse(out) as { report: { lv: { lv_name: string; lv_tags: string }[] }[] }).report[0]!.lv;
}

t(
  'an LV is tagged with its owner; the same owner takes it over, another owner gets a fresh LV and the old one is listed as an orphan',
  async () => {
    const first = await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-own', pool: 'own', sizeBytes: 16 * MiB, ownerUid: OLD_UID });
    assert.ok(first.created);
    assert.is(first.volume!.ownerUid, OLD_UID);
    const again = await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-own', pool: 'own', sizeBytes: 16 * MiB, ownerUid: OLD_UID });
    assert.is(again.created, false, 'its own owner takes the LV over');

    const fresh = await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-own', pool: 'own', sizeBytes: 16 * MiB, ownerUid: NEW_UID });
    assert.ok(fresh.created, 'a volume of the same name but another UID gets a fresh LV');
    assert.is(fresh.volume!.ownerUid, NEW_UID);
    const rows = await lvs();
    assert.equal(rows.map((r) => [r.lv_name, r.lv_tags]).sort(), [
      ['pvc-own', `stratum.owner=${NEW_UID},stratum.volume=pvc-own`],
      ['pvc-own_orphan_1', `stratum.owner=${OLD_UID},stratum.volume=pvc-own`],
    ]);
    const { volumes } = await callAgent(a.client, 'ListVolumes', { pool: 'own' });
    const orphan = volumes.find((v) => v.orphan);
    assert.ok(orphan, 'ListVolumes reports the orphan');
    assert.is(orphan.id, 'pvc-own');
    assert.is(orphan.lvName, 'pvc-own_orphan_1');
    assert.is(orphan.ownerUid, OLD_UID);

    // A delete on behalf of the old owner leaves the new volume alone.
    const stale = await callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-own', pool: 'own', ownerUid: OLD_UID });
    assert.is(stale.deleted, false);
    const bad = await refused(
      callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-own', pool: 'own', orphanLvName: 'pvc-other_orphan_1' }),
    );
    assert.is(bad.code, status.INVALID_ARGUMENT);
    const removed = await callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-own', pool: 'own', orphanLvName: 'pvc-own_orphan_1' });
    assert.ok(removed.deleted, 'the orphan is removed by its name');
    assert.equal(
      (await lvs()).map((r) => r.lv_name),
      ['pvc-own'],
    );
    assert.ok((await callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-own', pool: 'own', ownerUid: NEW_UID })).deleted);
  },
);

t('an LV made before owner tags is taken over only when the caller says it had it', async () => {
  await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-legacy', pool: 'own', sizeBytes: 16 * MiB });
  const adopted = await callAgent(a.client, 'CreateVolume', {
    volumeId: 'pvc-legacy',
    pool: 'own',
    sizeBytes: 16 * MiB,
    ownerUid: OLD_UID,
    adoptUntagged: true,
  });
  assert.is(adopted.created, false);
  assert.is(adopted.volume!.ownerUid, OLD_UID, 'tagged with its owner on the way');

  await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-legacy2', pool: 'own', sizeBytes: 16 * MiB });
  const fresh = await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-legacy2', pool: 'own', sizeBytes: 16 * MiB, ownerUid: NEW_UID });
  assert.ok(fresh.created, 'a replica that never had it does not adopt an untagged LV');
  assert.ok((await lvs()).some((r) => r.lv_name === 'pvc-legacy2_orphan_1'));
  for (const [volumeId, orphanLvName] of [
    ['pvc-legacy', ''],
    ['pvc-legacy2', ''],
    ['pvc-legacy2', 'pvc-legacy2_orphan_1'],
  ] as const)
    await callAgent(a.client, 'DeleteVolume', { volumeId, pool: 'own', orphanLvName });
  assert.equal(await lvs(), []);
});

t('a delete sent right after a create of the same volume, behind other queued changes, finds it: nothing leaks', async () => {
  const busy = Array.from({ length: 6 }, (_, i) =>
    callAgent(a.client, 'CreateVolume', { volumeId: `pvc-busy-${i}`, pool: 'own', sizeBytes: 8 * MiB }),
  );
  const create = callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-race', pool: 'own', sizeBytes: 8 * MiB, ownerUid: NEW_UID });
  const del = callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-race', pool: 'own' });
  const [created, deleted] = await Promise.all([create, del, ...busy]);
  assert.ok(created.created);
  assert.ok(deleted.deleted, 'the delete ran after the create it followed');
  assert.not.ok(
    (await lvs()).some((r) => r.lv_name === 'pvc-race'),
    'no LV left behind',
  );
  for (let i = 0; i < 6; i++) await callAgent(a.client, 'DeleteVolume', { volumeId: `pvc-busy-${i}`, pool: 'own' });
});

async function edges(device: string, size: number): Promise<Buffer[]> {
  const fh = await open(device, 'r');
  try {
    return await Promise.all(
      [0, size - MiB].map(async (pos) => {
        const b = Buffer.alloc(MiB);
        await fh.read(b, 0, MiB, pos);
        return b;
      }),
    );
  } finally {
    await fh.close();
  }
}

t('a disk handed out again reads zeros where its previous volume wrote, at its start and its end', async () => {
  const { volume } = await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-tenant1', pool: 'whole', sizeBytes: 64 * MiB });
  const size = Number(volume!.sizeBytes);
  assert.ok(size > 2 * WIPE_EDGE_BYTES);
  const pattern = Buffer.alloc(MiB, 0xa5);
  const fh = await open(volume!.devicePath, 'r+');
  try {
    await fh.write(pattern, 0, MiB, 0);
    await fh.write(pattern, 0, MiB, size - MiB);
    await fh.sync();
  } finally {
    await fh.close();
  }
  assert.ok((await callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-tenant1', pool: 'whole' })).deleted);
  const next = await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-tenant2', pool: 'whole', sizeBytes: 64 * MiB });
  assert.is(next.volume!.devicePath, volume!.devicePath, 'the same disk');
  const zero = Buffer.alloc(MiB);
  for (const [i, b] of (await edges(next.volume!.devicePath, size)).entries())
    assert.ok(b.equals(zero), `${i ? 'end' : 'start'} reads zeros`);
  await callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-tenant2', pool: 'whole' });
});

t.run();
