// Runs `npm run sandbox` as a user would: waits for its ready message, lets the caller look around
// (with kubectl, the KUBECONFIG it printed), then sends SIGINT (Ctrl-C) and waits for it to exit.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { run } from '../../src/common/exec.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface SandboxSession {
  /** Everything it printed so far, stdout and stderr. */
  readonly output: string;
  readonly kubeconfig: string;
  /** `kubectl get lv first-volume -o jsonpath=…` through the printed KUBECONFIG. */
  volumeField(jsonPath: string): Promise<string>;
}

/**
 * `whileUp` runs once the sandbox says it is ready; `afterStop` once Ctrl-C has taken it down (its
 * control plane's files are checked gone here). Bounded: `readyMs` to come up, 120 s to stop.
 */
export async function runSandbox(
  args: readonly string[],
  readyMs: number,
  whileUp: (s: SandboxSession) => Promise<void>,
  afterStop: (s: SandboxSession) => Promise<void>,
): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/sandbox.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr])
    stream.on('data', (b: Buffer) => {
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
      // unref: a pending bound must not hold the test process open once the race is decided.
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), readyMs).unref()),
    ]);
    assert.ok(ready, `sandbox did not come up:\n${output}`);
    assert.match(output, /ready in \d+\.\d s/);
    const kubeconfig = /export KUBECONFIG=(\S+)/.exec(output)![1]!;
    const session = {
      get output() {
        return output;
      },
      kubeconfig,
      volumeField: async (jsonPath: string) =>
        (
          await run(path.join(ROOT, '.rig/bin/kubectl'), ['get', 'lv', 'first-volume', '-o', `jsonpath=${jsonPath}`], {
            env: { KUBECONFIG: kubeconfig },
            timeoutMs: 30_000,
          })
        ).stdout,
    };
    await whileUp(session);
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 120_000).unref())]);
    assert.is.not(code, 'timeout', `sandbox did not stop within 120 s:\n${output}`);
    assert.not.ok(existsSync(kubeconfig), "the control plane's files are gone");
    await afterStop(session);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
