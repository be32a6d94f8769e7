// Volume copies beside the reconcile workers: progress and the outcome wake the volume, a cancel
// aborts the run and is kept until taken, a new copy of the same volume stops the old one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VolumeCopies, type CopyResult } from '../../src/operator/volumes/volume-copies.ts';

function controlled() {
  let finish!: (r: CopyResult) => void;
  let fail!: (err: Error) => void;
  let signal!: AbortSignal;
  let progress!: (copied: number, total: number) => void;
  const run = (s: AbortSignal, p: typeof progress) => {
    signal = s;
    progress = p;
    return new Promise<CopyResult>((resolve, reject) => {
      finish = resolve;
      fail = reject;
      s.addEventListener('abort', () => reject(s.reason as Error), { once: true });
    });
  };
  return {
    run,
    finish: (r: CopyResult) => finish(r),
    fail: (e: Error) => fail(e),
    signal: () => signal,
    progress: (c: number, t: number) => progress(c, t),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

test('progress is readable at once and wakes the volume; the result wakes it again and stays until taken', async () => {
  const woken: string[] = [];
  const copies = new VolumeCopies((v) => woken.push(v));
  const c = controlled();
  copies.start('v1', 'a', 'b', c.run);
  assert.ok(copies.running('v1'));
  c.progress(10, 100);
  assert.equal([copies.get('v1')?.copiedBytes, copies.get('v1')?.totalBytes], [10, 100]);
  c.progress(20, 100);
  assert.equal(woken, ['v1'], 'progress wakes at most every 2 s');
  c.finish({ bytes: 100, sha256: 'abc' });
  await tick();
  assert.equal(copies.get('v1')?.result, { bytes: 100, sha256: 'abc' });
  assert.not.ok(copies.running('v1'));
  assert.equal(woken, ['v1', 'v1']);
  copies.take('v1');
  assert.is(copies.get('v1'), undefined);
});

test('a failure is kept with its error and wakes the volume', async () => {
  const woken: string[] = [];
  const copies = new VolumeCopies((v) => woken.push(v));
  const c = controlled();
  copies.start('v1', 'a', 'b', c.run);
  c.fail(new Error('target refused'));
  await tick();
  assert.match(String(copies.get('v1')?.error), 'target refused');
  assert.equal(woken, ['v1']);
});

test('cancel aborts the run, says why, and is not taken for a failure; take forgets it', async () => {
  const copies = new VolumeCopies(() => undefined);
  const c = controlled();
  copies.start('v1', 'a', 'b', c.run);
  assert.ok(copies.cancel('v1', 'a is no longer evicted'));
  await tick();
  assert.ok(c.signal().aborted);
  assert.is(copies.get('v1')?.cancelled, 'a is no longer evicted');
  assert.is(copies.get('v1')?.error, undefined);
  assert.not.ok(copies.cancel('v1', 'again'), 'nothing left to stop');
  copies.take('v1');
  assert.is(copies.get('v1'), undefined);
});

test('a new copy of the same volume stops the one before; its late outcome is ignored', async () => {
  const copies = new VolumeCopies(() => undefined);
  const first = controlled();
  const second = controlled();
  copies.start('v1', 'a', 'b', first.run);
  copies.start('v1', 'a', 'c', second.run);
  assert.ok(first.signal().aborted);
  second.finish({ bytes: 5, sha256: 'x' });
  await tick();
  assert.equal([copies.get('v1')?.to, copies.get('v1')?.result?.sha256], ['c', 'x']);
});

test.run();
