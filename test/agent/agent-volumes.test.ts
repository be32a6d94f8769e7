// Volumes on an LVM pool of a real agent, through its gRPC API only; LVM itself (with the
// agent's LVM_SYSTEM_DIR) is the witness of what happened on disk.
import { spawn, spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { status } from '@grpc/grpc-js';
import { callAgent, refused, withAgentHarness, type TestAgent } from '../helpers/agent-harness.ts';
import { ARCHIVES_KEPT } from '../../src/agent/lvm/config.ts';
import { reasonOf, type AgentReason } from '../../src/agent-api/errors.ts';
import { waitFor } from '../operator/support.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const VG = 'stratum-fast';
const t = suite('agent volumes (LVM)');

let a: TestAgent;

withAgentHarness(t, { agents: 1, loopsPerAgent: 1, loopSizeBytes: 4 * GiB }, async (harness) => {
  a = harness.agents[0]!;
  const { disks } = await callAgent(a.client, 'ListDisks', {});
  await callAgent(a.client, 'EnsurePool', { name: 'fast', backend: 'POOL_BACKEND_LVM', disks: disks.map((d) => d.id) });
});

interface Lv {
  lv_name: string;
  lv_size: string;
  lv_tags: string;
}

async function lvs(): Promise<Lv[]> {
  const out = await a.lvm('lvs', ['--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', 'lv_name,lv_size,lv_tags', VG]);
  return (JSON.parse(out) as { report: { lv: Lv[] }[] }).report[0]!.lv;
}

/** VG metadata sequence number: changes with every metadata write, so "nothing changed" is provable. */
async function seqno(): Promise<string> {
  return (await a.lvm('vgs', ['--noheadings', '-o', 'vg_seqno', VG])).trim();
}

t('create: LV tagged with the volume id, size rounded up to the extent, device path reported', async () => {
  const res = await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-a', pool: 'fast', sizeBytes: 10_000_000 });
  assert.ok(res.created);
  assert.is(res.volume!.sizeBytes, String(12 * MiB));
  assert.is(res.volume!.devicePath, `/dev/${VG}/pvc-a`);
  assert.is(res.volume!.devicePresent, false, 'no device node without device-mapper');
  const lv = (await lvs()).find((l) => l.lv_name === 'pvc-a');
  assert.ok(lv, 'lvs shows the LV');
  assert.is(lv.lv_size, String(12 * MiB));
  assert.is(lv.lv_tags, 'stratum.volume=pvc-a');
});

t("the agent's LVM runs with synchronous I/O (LVM itself reads the setting; a misspelt one is ignored)", async () => {
  assert.is((await a.lvm('lvmconfig', ['--typeconfig', 'current', 'global/use_aio'])).trim(), 'use_aio=0');
});

t("the agent's LVM keeps its newest metadata archives, not 30 days of them", async () => {
  const archiveDir = path.join(a.lvmSystemDir, 'archive');
  const ids = Array.from({ length: ARCHIVES_KEPT + 10 }, (_, i) => `pvc-archive-${i}`);
  try {
    for (const volumeId of ids) await callAgent(a.client, 'CreateVolume', { volumeId, pool: 'fast', sizeBytes: 4 * MiB });
    const archives = (await readdir(archiveDir)).filter((f) => f.startsWith(`${VG}_`));
    assert.is(archives.length, ARCHIVES_KEPT, `${archives.length} archives in ${archiveDir}`);
  } finally {
    for (const volumeId of ids) await callAgent(a.client, 'DeleteVolume', { volumeId, pool: 'fast' });
  }
});

t('a new volume costs one LVM command (lvcreate): no listing before it on the happy path', async () => {
  try {
    const ran = await a.commandsDuring(async () => {
      const res = await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-one-command', pool: 'fast', sizeBytes: 8 * MiB });
      assert.ok(res.created);
    });
    assert.equal(ran, ['lvcreate×1']);
  } finally {
    await callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-one-command', pool: 'fast' });
  }
});

/** The agent's lvm shells: long-lived `lvm` children of the agent process. */
function lvmShells(): number[] {
  const out = spawnSync('pgrep', ['-P', String(a.pid), '-x', 'lvm'], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter(Boolean).map(Number).sort();
}

t(
  'LVM runs in long-lived lvm shells: the same processes before and after creates; a killed shell is replaced at the next command',
  async () => {
    await callAgent(a.client, 'ListVolumes', { pool: 'fast' });
    const before = lvmShells();
    assert.is(before.length, 2, 'one shell for changes, one for reports');
    try {
      for (const id of ['pvc-sh-1', 'pvc-sh-2'])
        await callAgent(a.client, 'CreateVolume', { volumeId: id, pool: 'fast', sizeBytes: 8 * MiB });
      await callAgent(a.client, 'ListVolumes', { pool: 'fast' });
      assert.equal(lvmShells(), before);
      for (const pid of before) process.kill(pid, 'SIGKILL');
      // Once the agent has reaped them (and so knows they are gone), the next command starts a new shell.
      await waitFor('the killed shells reaped', async () => !lvmShells().some((pid) => before.includes(pid)), 10_000, 50);
      const res = await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-sh-3', pool: 'fast', sizeBytes: 8 * MiB });
      assert.ok(res.created);
      assert.ok((await lvs()).some((l) => l.lv_name === 'pvc-sh-3'));
      assert.not.ok(
        lvmShells().some((pid) => before.includes(pid)),
        'new shells',
      );
    } finally {
      for (const id of ['pvc-sh-1', 'pvc-sh-2', 'pvc-sh-3']) await callAgent(a.client, 'DeleteVolume', { volumeId: id, pool: 'fast' });
    }
  },
);

t(
  'a burst of deletions lists the VG once and removes its LVs in fewer lvremove commands than LVs; a create between deletions is seen by the next one',
  async () => {
    const ids = ['pvc-d-1', 'pvc-d-2', 'pvc-d-3', 'pvc-d-4', 'pvc-d-5'];
    for (const id of ids) await callAgent(a.client, 'CreateVolume', { volumeId: id, pool: 'fast', sizeBytes: 8 * MiB });
    const before = (await a.commandTotals()).count;
    const deleted = await Promise.all(ids.map((id) => callAgent(a.client, 'DeleteVolume', { volumeId: id, pool: 'fast' })));
    const after = (await a.commandTotals()).count;
    assert.equal(
      deleted.map((d) => d.deleted),
      ids.map(() => true),
    );
    const lvremoves = (after.get('lvremove') ?? 0) - (before.get('lvremove') ?? 0);
    assert.ok(lvremoves < ids.length, `removals queued during an lvremove go in the next one: ${lvremoves} lvremove for ${ids.length} LVs`);
    assert.ok((after.get('lvs') ?? 0) - (before.get('lvs') ?? 0) < 3, 'one listing for the burst (a slow machine may need a second)');
    assert.not.ok(
      (await lvs()).some((l) => ids.includes(l.lv_name)),
      'every LV removed',
    );
    // The listing of the last deletion does not hide a volume created after it.
    await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-d-6', pool: 'fast', sizeBytes: 8 * MiB });
    assert.ok((await callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-d-6', pool: 'fast' })).deleted);
    assert.not.ok((await lvs()).some((l) => l.lv_name === 'pvc-d-6'));
  },
);

t('repeat create with the same size is a no-op (VG metadata untouched)', async () => {
  const before = await seqno();
  const res = await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-a', pool: 'fast', sizeBytes: 10_000_000 });
  assert.is(res.created, false);
  assert.is(res.volume!.sizeBytes, String(12 * MiB));
  assert.is(await seqno(), before);
});

t('list: one entry per tagged LV, agreeing with lvs', async () => {
  await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-b', pool: 'fast', sizeBytes: 64 * MiB });
  const { volumes } = await callAgent(a.client, 'ListVolumes', { pool: 'fast' });
  const fromAgent = volumes.map((v) => `${v.id}:${v.sizeBytes}`).sort();
  const fromLvm = (await lvs()).map((l) => `${l.lv_tags.replace('stratum.volume=', '')}:${l.lv_size}`).sort();
  assert.equal(fromAgent, fromLvm);
  assert.equal(fromAgent, [`pvc-a:${12 * MiB}`, `pvc-b:${64 * MiB}`]);
  const all = await callAgent(a.client, 'ListVolumes', {});
  assert.is(all.volumes.length, 2);
});

t('expand grows (rounded), same size again is a no-op, shrink refused; lvs agrees', async () => {
  const grown = await callAgent(a.client, 'ExpandVolume', { volumeId: 'pvc-a', pool: 'fast', sizeBytes: 100_000_000 });
  assert.ok(grown.expanded);
  assert.is(grown.volume!.sizeBytes, String(24 * 4 * MiB));
  assert.is((await lvs()).find((l) => l.lv_name === 'pvc-a')!.lv_size, String(24 * 4 * MiB));
  const before = await seqno();
  const again = await callAgent(a.client, 'ExpandVolume', { volumeId: 'pvc-a', pool: 'fast', sizeBytes: 100_000_000 });
  assert.is(again.expanded, false);
  const shrink = await refused(callAgent(a.client, 'ExpandVolume', { volumeId: 'pvc-a', pool: 'fast', sizeBytes: 12 * MiB }));
  assert.is(shrink.code, status.INVALID_ARGUMENT);
  assert.match(shrink.details, /pvc-a.*shrinking/);
  assert.is(await seqno(), before);
});

t('delete removes the LV; deleting again is success with deleted=false', async () => {
  assert.ok((await callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-b', pool: 'fast' })).deleted);
  assert.not.ok((await lvs()).some((l) => l.lv_name === 'pvc-b'));
  const before = await seqno();
  assert.is((await callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-b', pool: 'fast' })).deleted, false);
  assert.is((await callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-b' })).deleted, false, 'without a pool too');
  assert.is(await seqno(), before);
});

t('bad input gets the right code, a message naming the object, and changes nothing on disk', async () => {
  const create = (volumeId: string, pool: string, sizeBytes: number) => () =>
    callAgent(a.client, 'CreateVolume', { volumeId, pool, sizeBytes });
  const expand = (volumeId: string, pool: string, sizeBytes: number) => () =>
    callAgent(a.client, 'ExpandVolume', { volumeId, pool, sizeBytes });
  const cases: [string, () => Promise<unknown>, status, RegExp, AgentReason?][] = [
    ['zero size', create('pvc-z', 'fast', 0), status.INVALID_ARGUMENT, /volume pvc-z: size/],
    ['shell metacharacters', create('x;rm -rf /', 'fast', MiB), status.INVALID_ARGUMENT, /volume name "x;rm -rf \/"/],
    ['command substitution', create('$(reboot)', 'fast', MiB), status.INVALID_ARGUMENT, /volume name/],
    ['path separator', create('../../etc', 'fast', MiB), status.INVALID_ARGUMENT, /volume name "..\/..\/etc"/],
    ['pool with a path separator', create('pvc-p', 'fast/x', MiB), status.INVALID_ARGUMENT, /pool name "fast\/x"/],
    ['unknown pool', create('pvc-u', 'nope', MiB), status.NOT_FOUND, /pool nope not found on node node-a/, 'PoolNotFound'],
    [
      'above free space',
      create('pvc-big', 'fast', 64 * GiB),
      status.RESOURCE_EXHAUSTED,
      /pool fast on node node-a has \d+ bytes free; volume pvc-big needs/,
    ],
    [
      'second create, other size',
      create('pvc-a', 'fast', 5 * MiB),
      status.ALREADY_EXISTS,
      /volume pvc-a exists in pool fast on node node-a/,
    ],
    [
      'expand unknown volume',
      expand('pvc-none', 'fast', 5 * MiB),
      status.NOT_FOUND,
      /volume pvc-none not found in pool fast/,
      'VolumeNotFound',
    ],
    ['expand above free space', expand('pvc-a', 'fast', 64 * GiB), status.RESOURCE_EXHAUSTED, /pool fast .* volume pvc-a needs/],
    ['list unknown pool', () => callAgent(a.client, 'ListVolumes', { pool: 'nope' }), status.NOT_FOUND, /pool nope/, 'PoolNotFound'],
    [
      'delete pool with volumes',
      () => callAgent(a.client, 'DeletePool', { name: 'fast' }),
      status.FAILED_PRECONDITION,
      /pool fast on node node-a still holds 1 volume\(s\): pvc-a/,
      'PoolInUse',
    ],
    [
      'pool without backend',
      () => callAgent(a.client, 'EnsurePool', { name: 'other', disks: ['/dev/loop0'] }),
      status.INVALID_ARGUMENT,
      /backend/,
    ],
    [
      'pool with unknown disk',
      () => callAgent(a.client, 'EnsurePool', { name: 'other', backend: 'POOL_BACKEND_LVM', disks: ['/dev/sdzz'] }),
      status.NOT_FOUND,
      /disk \/dev\/sdzz not found on node node-a/,
      'DiskNotFound',
    ],
  ];
  const beforeLvs = JSON.stringify(await lvs());
  const beforeSeq = await seqno();
  for (const [name, call, code, message, reason] of cases) {
    const err = await refused(call());
    assert.is(err.code, code, `${name}: ${err.details}`);
    assert.match(err.details, message, `${name}: ${err.details}`);
    assert.is(reasonOf(err), reason, `${name}: reason`);
  }
  assert.is(JSON.stringify(await lvs()), beforeLvs);
  assert.is(await seqno(), beforeSeq);
  const vgs = await a.lvm('vgs', ['--noheadings', '-o', 'vg_name']);
  assert.equal(
    vgs
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean),
    [VG],
    'no other VG appeared',
  );
});

t('20 concurrent creates all succeed; LVM metadata stays consistent (vgck, lvs)', async () => {
  const ids = Array.from({ length: 20 }, (_, i) => `pvc-c${i}`);
  const results = await Promise.all(
    ids.map((id) => callAgent(a.client, 'CreateVolume', { volumeId: id, pool: 'fast', sizeBytes: 8 * MiB }, 60_000)),
  );
  assert.ok(results.every((r) => r.created));
  await a.lvm('vgck', [VG]);
  const tagged = (await lvs()).filter((l) => l.lv_name.startsWith('pvc-c'));
  assert.is(tagged.length, 20);
  assert.ok(tagged.every((l) => l.lv_tags === `stratum.volume=${l.lv_name}` && l.lv_size === String(8 * MiB)));
  const deleted = await Promise.all(ids.map((id) => callAgent(a.client, 'DeleteVolume', { volumeId: id, pool: 'fast' }, 60_000)));
  assert.ok(deleted.every((d) => d.deleted));
  await a.lvm('vgck', [VG]);
  assert.is((await lvs()).filter((l) => l.lv_name.startsWith('pvc-c')).length, 0);
});

/** The agent's own log lines saying a call failed because its deadline passed or it was cancelled. */
const droppedCreates = () =>
  a
    .logs()
    .split('\n')
    .filter(
      (l) =>
        l.includes('"msg":"call failed"') &&
        l.includes('"method":"CreateVolume"') &&
        l.includes(`"code":"${status[status.DEADLINE_EXCEEDED]}"`),
    );

/**
 * Holds the VG's LVM lock (the file LVM itself flocks, in the agent's locking_dir) until released,
 * so the agent's next LVM change waits on it: a queue that stays busy for as long as a test needs.
 */
async function holdVgLock(): Promise<{ release(): void }> {
  const file = path.join(a.lvmSystemDir, 'lock', `V_${VG}`);
  // The shell takes the lock on its own descriptor and becomes `sleep`: killing that one process
  // releases it (flock --command would leave the lock with its child).
  const holder = spawn('bash', ['-c', 'exec 9>"$1" && flock --exclusive 9 && echo held && exec sleep 60', 'hold-vg-lock', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const release = () => holder.kill('SIGKILL');
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`flock ${file}: not held after 10 s`)), 10_000);
      holder.once('error', reject);
      holder.once('exit', (code) => reject(new Error(`flock ${file} exited ${code}`)));
      holder.stdout.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } catch (err) {
    release();
    throw err;
  }
  return { release };
}

t('a change still queued when its deadline passes is dropped by the agent, never run', async () => {
  const queued = Array.from({ length: 3 }, (_, i) => `pvc-q${i}`);
  const droppedBefore = droppedCreates().length;
  // The creates before the late one wait on the VG lock until its deadline has passed, however
  // fast LVM is on this machine.
  const lock = await holdVgLock();
  try {
    const busy = queued.map((id) => callAgent(a.client, 'CreateVolume', { volumeId: id, pool: 'fast', sizeBytes: 4 * MiB }, 60_000));
    const late = await refused(callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-late', pool: 'fast', sizeBytes: 4 * MiB }, 50));
    assert.is(late.code, status.DEADLINE_EXCEEDED);
    lock.release();
    await Promise.all(busy);
    // LVM changes run one at a time in arrival order: once a change sent after the late one is
    // done, the late one has had its turn.
    await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-after-late', pool: 'fast', sizeBytes: 4 * MiB }, 60_000);
    const names = (await lvs()).map((l) => l.lv_name);
    assert.ok(names.includes('pvc-after-late') && queued.every((q) => names.includes(q)), `the other creates ran: ${names.join(', ')}`);
    assert.not.ok(names.includes('pvc-late'), 'the late create never ran');
    const dropped = droppedCreates().slice(droppedBefore);
    assert.is(dropped.length, 1, `the agent itself refused exactly the late create:\n${dropped.join('\n')}`);
    assert.match(dropped[0]!, /CreateVolume: (cancelled or past its deadline|cancelled by the client)/);
  } finally {
    lock.release();
    for (const id of [...queued, 'pvc-after-late', 'pvc-late'])
      await callAgent(a.client, 'DeleteVolume', { volumeId: id, pool: 'fast' }, 60_000);
  }
  assert.not.ok(
    (await lvs()).some((l) => l.lv_name.startsWith('pvc-q') || l.lv_name.includes('late')),
    'all removed',
  );
});

t('thin pool: the refusal from LVM without device-mapper is a clear FailedPrecondition, nothing left behind', async () => {
  const loop = await a.addLoop(GiB);
  const { disks } = await callAgent(a.client, 'ListDisks', {});
  const disk = disks.find((d) => d.devicePath === loop.device)!;
  const err = await refused(callAgent(a.client, 'EnsurePool', { name: 'thin', backend: 'POOL_BACKEND_LVM', thin: true, disks: [disk.id] }));
  assert.is(err.code, status.FAILED_PRECONDITION);
  assert.match(err.details, /pool thin on node node-a: cannot create the thin pool: .*device-mapper/);
  assert.is(reasonOf(err), 'ThinPoolUnsupported');
  const vgs = await a.lvm('vgs', ['--noheadings', '-o', 'vg_name']);
  assert.not.match(vgs, /stratum-thin/);
  const pvs = await a.lvm('pvs', ['--noheadings', '-o', 'pv_name']);
  assert.not.match(pvs, new RegExp(`${loop.device}\\b`), 'PV rolled back');
  const { pools } = await callAgent(a.client, 'ListPools', {});
  assert.equal(
    pools.map((p) => p.name),
    ['fast'],
  );
});

t('snapshots on a thick pool: FailedPrecondition naming the thin pool that supports them; nothing created', async () => {
  await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-thick', pool: 'fast', sizeBytes: 8 * MiB });
  const before = await seqno();
  const snap = await refused(callAgent(a.client, 'CreateSnapshot', { snapshotId: 'snap-1', volumeId: 'pvc-thick' }));
  assert.is(snap.code, status.FAILED_PRECONDITION);
  assert.match(
    snap.details,
    /volume pvc-thick is in pool fast on node node-a, a thick LVM pool: .*need a thin LVM pool \(StoragePool spec.thin: true\)/,
  );
  assert.is(reasonOf(snap), 'ThinPoolRequired');
  for (const source of [{ volumeId: 'pvc-thick' }, { snapshotId: 'snap-1' }]) {
    const err = await refused(callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-copy', pool: 'fast', sizeBytes: 8 * MiB, source }));
    assert.is(err.code, status.FAILED_PRECONDITION, JSON.stringify(source));
    assert.is(reasonOf(err), 'ThinPoolRequired');
  }
  const missing = await refused(callAgent(a.client, 'CreateSnapshot', { snapshotId: 'snap-2', volumeId: 'pvc-none' }));
  assert.is(missing.code, status.NOT_FOUND);
  assert.match(missing.details, /volume pvc-none does not exist on node node-a/);
  assert.is(
    (await callAgent(a.client, 'DeleteSnapshot', { snapshotId: 'snap-1' })).deleted,
    false,
    'a missing snapshot deletes as success',
  );
  assert.equal((await callAgent(a.client, 'ListSnapshots', {})).snapshots, []);
  assert.is(await seqno(), before, 'VG metadata untouched');
  await callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-thick', pool: 'fast' });
});

t.run();
