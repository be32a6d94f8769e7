// A test process that is interrupted takes its control plane down with it: Ctrl-C and SIGTERM
// run the full teardown; a SIGKILL, which runs no code, still kills the servers through their
// parent-death signal.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from './binaries.ts';
import { waitGone } from './processes.ts';

interface Held {
  readonly dir: string;
  readonly pids: number[];
  /** Sends the signal and resolves with the exit code (null if killed by a signal). */
  signal(signal: NodeJS.Signals): Promise<number | null>;
}

/** Starts fixtures/hold-control-plane.ts and waits (bounded) for its plane to be ready. */
function holdControlPlane(timeoutMs = 90_000): Promise<Held> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test/rig/fixtures/hold-control-plane.ts')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no control plane within ${timeoutMs / 1000} s: ${stderr}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the holder exited (${code}) before its plane was ready: ${stderr}`));
    });
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const { dir, pids } = JSON.parse(line) as { dir: string; pids: number[] };
      resolve({
        dir,
        pids,
        signal: async (signal) => {
          child.kill(signal);
          const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
          try {
            return await exited;
          } finally {
            clearTimeout(guard);
          }
        },
      });
    });
  });
}

/** Whatever the outcome, nothing of the held plane survives the test. */
async function removeLeftovers(held: Held): Promise<void> {
  for (const pid of held.pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone: the expected case.
    }
  }
  await rm(held.dir, { recursive: true, force: true });
}

const test = suite('interrupt');

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(`${signal} stops etcd and kube-apiserver and removes the rig directory`, async () => {
    const held = await holdControlPlane();
    try {
      assert.is(held.pids.length, 2);
      assert.is(await held.signal(signal), code);
      assert.equal(await waitGone(held.pids), []);
      assert.not.ok(existsSync(held.dir), `${held.dir} removed`);
    } finally {
      await removeLeftovers(held);
    }
  });
}

test('SIGKILL of the test process still kills etcd and kube-apiserver (parent-death signal)', async () => {
  const held = await holdControlPlane();
  try {
    await held.signal('SIGKILL');
    assert.equal(await waitGone(held.pids), []);
  } finally {
    // The directory is left (nothing ran to remove it).
    await removeLeftovers(held);
  }
});

test.run();
