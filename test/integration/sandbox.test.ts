// `npm run sandbox -- --nodes loop` end to end: it comes up with a Ready volume and prints a
// working KUBECONFIG, and SIGINT (Ctrl-C) tears it all down — processes gone, loop devices
// detached, files removed. The lab suite runs it on VMs.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/common/exec.ts';
import { runSandbox } from '../helpers/sandbox-run.ts';

const it = suite('npm run sandbox');

it('comes up with a Ready volume, prints KUBECONFIG, and Ctrl-C leaves nothing behind', async () => {
  let loopDirs: string[] = [];
  await runSandbox(
    ['--nodes', 'loop'],
    240_000,
    async (s) => {
      assert.match(s.output, /3 nodes \(loop-device agents\)/);
      assert.is(await s.volumeField('{.status.phase}'), 'Ready');
      loopDirs = /loop devices: \S+, (.*)$/m
        .exec(s.output)![1]!
        .split(' ')
        .map((g) => path.dirname(g));
      const before = (await run('losetup', ['-a'])).stdout;
      assert.ok(
        loopDirs.every((d) => before.includes(d)),
        `the nodes' loop devices are attached:\n${before}`,
      );
    },
    async () => {
      const after = (await run('losetup', ['-a'])).stdout;
      for (const d of loopDirs) {
        assert.not.ok(after.includes(d), `no loop device left on ${d}`);
        assert.not.ok(existsSync(d), `${d} removed`);
      }
    },
  );
});

it.run();
