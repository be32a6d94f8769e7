// `npm run sandbox` end to end: it comes up with a Ready volume and prints a working KUBECONFIG,
// and SIGINT (Ctrl-C) tears it all down — processes gone, loop devices detached, files removed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/common/exec.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const it = suite('npm run sandbox');

it('comes up with a Ready volume, prints KUBECONFIG, and Ctrl-C leaves nothing behind', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/sandbox.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => {
    output += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    output += b.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const ready = await Promise.race([
      new Promise<boolean>((resolve) => {
        const check = () => (output.includes('Ctrl-C tears everything down') ? resolve(true) : setTimeout(check, 200));
        check();
      }),
      exited.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 240_000)),
    ]);
    assert.ok(ready, `sandbox did not come up:\n${output}`);
    assert.match(output, /ready in \d+\.\d s/);
    const kubeconfig = /export KUBECONFIG=(\S+)/.exec(output)![1]!;
    const lv = await run(path.join(ROOT, '.rig/bin/kubectl'), ['get', 'lv', 'first-volume', '-o', 'jsonpath={.status.phase}'], {
      env: { KUBECONFIG: kubeconfig },
      timeoutMs: 30_000,
    });
    assert.is(lv.stdout, 'Ready');
    const globs = /loop devices: \S+, (.*)$/m.exec(output)![1]!.split(' ');
    const loopDirs = globs.map((g) => path.dirname(g));
    const before = (await run('losetup', ['-a'])).stdout;
    assert.ok(
      loopDirs.every((d) => before.includes(d)),
      `the nodes' loop devices are attached:\n${before}`,
    );
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 90_000))]);
    assert.is.not(code, 'timeout', `sandbox did not stop within 90 s:\n${output}`);
    assert.not.ok(existsSync(kubeconfig), "the control plane's files are gone");
    const after = (await run('losetup', ['-a'])).stdout;
    for (const d of loopDirs) {
      assert.not.ok(after.includes(d), `no loop device left on ${d}`);
      assert.not.ok(existsSync(d), `${d} removed`);
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

it.run();
