// Disk discovery of a real agent over gRPC: identity, media class, usage, and WatchDisks seeing
// loop devices come, go, get renamed and grow. The agent rescans every second (no udev here).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { truncate, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { run } from '../../src/common/exec.ts';
import type { DiskEvent__Output } from '../../src/agent-api/generated/stratum/agent/v1/DiskEvent.ts';
import { type AgentHarness, callAgent, type TestAgent, withAgentHarness } from '../helpers/agent-harness.ts';
import { detachIfAttached, LoopDevices, type LoopDevice } from '../helpers/loopdev.ts';

const GiB = 1024 ** 3;
const t = suite('agent disk discovery');

let h: AgentHarness | undefined;
let a: TestAgent;
let b: TestAgent;

withAgentHarness(t, { agents: 2, loopsPerAgent: 2, loopSizeBytes: GiB }, (harness) => {
  h = harness;
  [a, b] = h.agents as [TestAgent, TestAgent];
});

/** Collects WatchDisks events; `next(pred)` waits (bounded) for a matching one. */
function watch(agent: TestAgent) {
  const events: DiskEvent__Output[] = [];
  const stream: ClientReadableStream<DiskEvent__Output> = agent.client.WatchDisks({}, { deadline: Date.now() + 120_000 });
  let wake = () => {};
  stream.on('data', (e: DiskEvent__Output) => {
    events.push(e);
    wake();
  });
  stream.on('error', () => undefined);
  return {
    events,
    cancel: () => stream.cancel(),
    async next(pred: (e: DiskEvent__Output) => boolean, timeoutMs = 10_000): Promise<DiskEvent__Output> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const hit = events.find(pred);
        if (hit) return hit;
        const left = until - Date.now();
        if (left <= 0)
          throw new Error(
            `no matching disk event within ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => [e.type, e.disk?.devicePath, e.disk?.state]))}`,
          );
        await new Promise<void>((r) => {
          const timer = setTimeout(r, Math.min(left, 500));
          wake = () => {
            clearTimeout(timer);
            r();
          };
        });
      }
    },
  };
}

t('each agent sees exactly its own loops, identified by backing file, with size, class and state', async () => {
  for (const agent of [a, b]) {
    const { disks } = await callAgent(agent.client, 'ListDisks', {});
    assert.equal(disks.map((d) => d.devicePath).sort(), agent.attached.map((l) => l.device).sort(), `${agent.name} sees only its loops`);
    for (const d of disks) {
      const loop = agent.attached.find((l) => l.device === d.devicePath)!;
      assert.is(d.id, `loop:${loop.file}`);
      assert.is(d.backingFile, loop.file);
      assert.is(d.sizeBytes, String(GiB));
      assert.is(d.mediaClass, 'MEDIA_CLASS_HDD', 'loop devices report rotational=1');
      assert.is(d.state, 'DISK_STATE_AVAILABLE');
      assert.match(d.majorMinor, /^7:\d+$/);
    }
  }
});

t('media class follows sysfs rotational; a filesystem signature makes the disk IN_USE', async () => {
  const [first, second] = a.attached as [LoopDevice, LoopDevice];
  const kname = path.basename(first.device);
  await writeFile(`/sys/block/${kname}/queue/rotational`, '0');
  await run('mkfs.ext4', ['-q', '-F', second.device]);
  try {
    const { disks } = await callAgent(a.client, 'ListDisks', {});
    assert.is(disks.find((d) => d.devicePath === first.device)!.mediaClass, 'MEDIA_CLASS_SSD');
    const used = disks.find((d) => d.devicePath === second.device)!;
    assert.is(used.state, 'DISK_STATE_IN_USE');
    assert.equal(used.inUseReasons, ['signature:ext4']);
  } finally {
    await writeFile(`/sys/block/${kname}/queue/rotational`, '1');
    await run('wipefs', ['--all', second.device]);
  }
});

t('WatchDisks: current disks first, then attach → ADDED, grow → CHANGED, detach → REMOVED (MISSING)', async () => {
  const w = watch(a);
  try {
    await w.next(() => w.events.length >= a.attached.length);
    assert.ok(w.events.slice(0, 2).every((e) => e.type === 'ADDED'));
    const loop = await a.addLoop(GiB / 2);
    const added = await w.next((e) => e.type === 'ADDED' && e.disk?.devicePath === loop.device);
    assert.is(added.disk!.id, `loop:${loop.file}`);
    assert.is(added.disk!.sizeBytes, String(GiB / 2));
    const seenByB = await callAgent(b.client, 'ListDisks', {});
    assert.not.ok(
      seenByB.disks.some((d) => d.devicePath === loop.device),
      'the other agent does not see it',
    );

    await truncate(loop.file, GiB);
    await run('losetup', ['-c', loop.device]);
    const grown = await w.next((e) => e.type === 'CHANGED' && e.disk?.id === added.disk!.id);
    assert.is(grown.disk!.sizeBytes, String(GiB));

    await a.removeLoop(loop);
    const removed = await w.next((e) => e.type === 'REMOVED' && e.disk?.id === added.disk!.id);
    assert.is(removed.disk!.state, 'DISK_STATE_MISSING');
  } finally {
    w.cancel();
  }
});

t('a renamed device (re-attached under another loop number) is the same disk', async () => {
  const file = path.join(path.dirname(a.attached[0]!.file), 'renamed.img');
  const others = new LoopDevices();
  let device = '';
  try {
    await writeFile(file, '');
    await truncate(file, GiB / 4);
    device = (await run('losetup', ['--find', '--show', file])).stdout.trim();
    const before = (await callAgent(a.client, 'ListDisks', {})).disks.find((d) => d.devicePath === device)!;
    assert.is(before.id, `loop:${file}`);
    await run('losetup', ['-d', device]);
    // Hold the freed number so the file comes back under a different name.
    await others.create('placeholder', 1024 * 1024);
    device = (await run('losetup', ['--find', '--show', file])).stdout.trim();
    assert.is.not(device, before.devicePath);
    const after = (await callAgent(a.client, 'ListDisks', {})).disks.filter((d) => d.id === before.id);
    assert.is(after.length, 1, 'one disk, not two');
    assert.is(after[0]!.devicePath, device);
    assert.is(after[0]!.state, 'DISK_STATE_AVAILABLE');
  } finally {
    if (device) await detachIfAttached(device, file);
    await rm(file, { force: true });
    await others.cleanup();
  }
});

t.run();
