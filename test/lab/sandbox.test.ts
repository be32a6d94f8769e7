// `npm run sandbox -- --nodes lab`: three lab VMs as nodes, a Ready volume whose LV has a real
// device in its VM, the time it took printed; Ctrl-C stops every VM and leaves nothing behind.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/common/exec.ts';
import { runSandbox } from '../helpers/sandbox-run.ts';

const it = suite('npm run sandbox on lab VMs');

/** qemu processes whose command line names the sandbox's lab folder. */
const sandboxVms = async (dir: string) => (await run('pgrep', ['-f', `qemu-system.*${dir}`], { okCodes: [0, 1] })).stdout.trim();

it('three VMs come up with a Ready volume within five minutes, and Ctrl-C stops them all', async () => {
  let labDir = '';
  await runSandbox(
    ['--nodes', 'lab'],
    300_000,
    async (s) => {
      assert.match(s.output, /3 nodes \(lab VMs\)/);
      const took = Number(/ready in (\d+\.\d) s/.exec(s.output)![1]);
      process.stdout.write(`\n[lab] ${/Stratum sandbox ready in .*$/m.exec(s.output)![0]}\n`);
      assert.ok(took < 300, `ready in ${took} s, not under five minutes`);
      assert.is(await s.volumeField('{.status.phase}'), 'Ready');
      labDir = /stratum-lab-\w+/.exec((await run('pgrep', ['-a', 'qemu-system'], { okCodes: [0, 1] })).stdout)?.[0] ?? '';
      assert.ok(labDir && (await sandboxVms(labDir)).split('\n').length === 3, 'three VMs running');
    },
    async () => {
      assert.is(await sandboxVms(labDir), '', 'no VM left running');
    },
  );
});

it.run();
