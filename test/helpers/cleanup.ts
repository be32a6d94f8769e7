// Cleanup steps that fail loudly: a test's teardown that cannot undo something (a mount, a loop
// device) must fail the test file, not leave the machine dirty in silence.
import { findMount } from '../../src/agent/fs/mount-table.ts';
import { run } from '../../src/common/exec.ts';

/** Unmounts `target` until nothing is mounted there (mounts may be stacked; bounded); throws when it stays mounted. */
export async function unmountAll(target: string): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 8; i++) {
    if (!(await findMount(target))) return;
    await run('umount', [target]).catch((err: unknown) => {
      last = err;
    });
  }
  if (await findMount(target))
    throw new Error(`${target} is still mounted after 8 unmounts: ${(last as Error | undefined)?.message ?? 'umount succeeded each time'}`);
}

/** Runs every step even after one fails, then throws one error naming each failure. */
export async function cleanupAll(what: string, steps: readonly (() => Promise<unknown>)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length) throw new AggregateError(errors, `${what}: ${errors.map((e) => (e as Error).message ?? String(e)).join('; ')}`);
}
