// The runner's check for what a test file left behind (scripts/lib/leftovers.ts), on real loop
// devices, mounts and processes: it finds exactly what lies under its folder or carries its
// marker — never another run's — and removes it.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/common/exec.ts';
import { describeLeftovers, findLeftovers, removeLeftovers, RUN_MARKER_ENV } from '../../scripts/lib/leftovers.ts';
import { LoopDevices } from '../helpers/loopdev.ts';
import { cleanupAll, unmountAll } from '../helpers/cleanup.ts';

test('finds the loop device, mount and process a run left, not those of another run, and removes them', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'stratum-leftovers-'));
  const other = await mkdtemp(path.join(tmpdir(), 'stratum-leftovers-other-'));
  const marker = randomUUID();
  const mnt = path.join(root, 'mnt');
  const otherMnt = path.join(other, 'mnt');
  const otherLoops = new LoopDevices();
  const sleepers: number[] = [];
  const sleeper = (env: NodeJS.ProcessEnv) => {
    const child = spawn('sleep', ['60'], { env: { ...process.env, ...env }, stdio: 'ignore' });
    sleepers.push(child.pid!);
    return child.pid!;
  };
  try {
    // What this run left…
    const file = path.join(root, 'disk.img');
    await run('truncate', ['-s', '1M', file]);
    const device = (await run('losetup', ['--find', '--show', file])).stdout.trim();
    await mkdir(mnt);
    await run('mount', ['-t', 'tmpfs', 'tmpfs', mnt]);
    const pid = sleeper({ [RUN_MARKER_ENV]: marker });
    // …and what another run holds.
    const otherLoop = await otherLoops.create('other', 1024 * 1024);
    await mkdir(otherMnt);
    await run('mount', ['-t', 'tmpfs', 'tmpfs', otherMnt]);
    sleeper({ [RUN_MARKER_ENV]: randomUUID() });

    const found = await findLeftovers(root, marker);
    assert.equal(found.loops, [{ device, file }]);
    assert.equal(found.mounts, [mnt]);
    assert.equal(
      found.processes.map((p) => p.pid),
      [pid],
    );
    assert.equal(describeLeftovers('agent/x.test.ts', found), [
      `agent/x.test.ts: left loop device ${device} (${file}) attached, with any volume group on it`,
      `agent/x.test.ts: left ${mnt} mounted`,
      `agent/x.test.ts: left process ${pid} running: sleep 60`,
    ]);

    assert.equal(await removeLeftovers(root, found), []);
    assert.equal(await findLeftovers(root, marker), { loops: [], mounts: [], processes: [] });
    assert.is(await stat(root).catch(() => undefined), undefined, 'folder removed');
    assert.equal((await findLeftovers(path.dirname(otherLoop.file), 'x')).loops, [otherLoop], "the other run's loop untouched");
    assert.equal((await findLeftovers(other, 'x')).mounts, [otherMnt], "the other run's mount untouched");
  } finally {
    for (const p of sleepers) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // Already killed by removeLeftovers: expected for this run's sleeper.
      }
    }
    await cleanupAll('leftovers test cleanup', [
      () => unmountAll(mnt),
      () => unmountAll(otherMnt),
      () => otherLoops.cleanup(),
      () => rm(root, { recursive: true, force: true }),
      () => rm(other, { recursive: true, force: true }),
    ]);
  }
});

test.run();
