import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LvRef } from '../../src/agent/lvm/commands.ts';
import { MAX_LVS_PER_COMMAND, RemovalBatch, type RemovalCommands } from '../../src/agent/lvm/removal-batch.ts';
import { SerialQueue } from '../../src/agent/serial-queue.ts';

/** A VG of LVs behind fake commands; `refuse` names LVs whose removal fails (and stops the command there). */
function fakeVg(lvs: readonly LvRef[], refuse: readonly LvRef[] = []) {
  const left = new Set(lvs);
  const commands: LvRef[][] = [];
  const removal: RemovalCommands = {
    async remove(targets) {
      commands.push([...targets]);
      for (const lv of targets) {
        if (refuse.includes(lv)) throw new Error(`lvremove ${lv}: Logical volume in use`);
        if (!left.delete(lv)) throw new Error(`lvremove ${lv}: Failed to find logical volume`);
      }
    },
    async existing(targets) {
      return new Set(targets.filter((l) => left.has(l)));
    },
  };
  return { left, commands, removal };
}

/** Each deletion as the agent runs it: a task of the change queue queues its LVs, then waits outside it. */
async function deleteAll(
  queue: SerialQueue,
  batch: RemovalBatch,
  each: readonly (readonly LvRef[])[],
): Promise<PromiseSettledResult<void>[]> {
  const removals = each.map((lvs) => queue.run(undefined, async () => ({ removed: batch.add(lvs) })).then((r) => r.removed));
  return Promise.allSettled(removals);
}

test('removals queued while the change queue is busy go in one lvremove; each caller hears of its own LVs', async () => {
  const vg = fakeVg(['vg/a', 'vg/a_meta', 'vg/b', 'vg/c', 'vg/keep']);
  const queue = new SerialQueue();
  const batch = new RemovalBatch(queue, vg.removal);
  const results = await deleteAll(queue, batch, [['vg/a_meta', 'vg/a'], ['vg/b'], ['vg/c']]);
  assert.equal(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled', 'fulfilled'],
  );
  assert.equal(vg.commands, [['vg/a_meta', 'vg/a', 'vg/b', 'vg/c']]);
  assert.equal([...vg.left], ['vg/keep']);
  // The next burst is a batch of its own.
  vg.left.add('vg/d');
  await deleteAll(queue, batch, [['vg/d']]);
  assert.equal(vg.commands.at(-1), ['vg/d']);
});

test('the same LV queued twice (a retried call) is removed once and both callers succeed', async () => {
  const vg = fakeVg(['vg/a']);
  const queue = new SerialQueue();
  const results = await deleteAll(queue, new RemovalBatch(queue, vg.removal), [['vg/a'], ['vg/a']]);
  assert.equal(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled'],
  );
  assert.equal(vg.commands, [['vg/a']]);
});

test('a failed batch: LVs it removed count as removed, the rest go one by one, only the failing caller gets an error', async () => {
  const vg = fakeVg(['vg/a', 'vg/busy', 'vg/c'], ['vg/busy']);
  const queue = new SerialQueue();
  const results = await deleteAll(queue, new RemovalBatch(queue, vg.removal), [['vg/a'], ['vg/busy'], ['vg/c']]);
  assert.equal(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.match(String((results[1] as PromiseRejectedResult).reason), /lvremove vg\/busy: Logical volume in use/);
  // The batch removed vg/a before it stopped at vg/busy: only vg/busy and vg/c are tried again.
  assert.equal(vg.commands, [['vg/a', 'vg/busy', 'vg/c'], ['vg/busy'], ['vg/c']]);
  assert.equal([...vg.left], ['vg/busy']);
});

test(`a batch larger than the lvm shell takes goes in commands of at most ${MAX_LVS_PER_COMMAND} LVs`, async () => {
  const lvs = Array.from({ length: MAX_LVS_PER_COMMAND * 2 + 1 }, (_, i) => `vg/lv-${i}` as LvRef);
  const vg = fakeVg(lvs);
  const queue = new SerialQueue();
  const results = await deleteAll(
    queue,
    new RemovalBatch(queue, vg.removal),
    lvs.map((lv) => [lv]),
  );
  assert.ok(results.every((r) => r.status === 'fulfilled'));
  assert.equal(
    vg.commands.map((c) => c.length),
    [MAX_LVS_PER_COMMAND, MAX_LVS_PER_COMMAND, 1],
  );
  assert.is(vg.left.size, 0);
});

test('the change queue goes on after a batch, failed or not', async () => {
  const vg = fakeVg(['vg/busy'], ['vg/busy']);
  const queue = new SerialQueue();
  await deleteAll(queue, new RemovalBatch(queue, vg.removal), [['vg/busy']]);
  assert.is(await queue.run(undefined, async () => 'next'), 'next');
});

test.run();
