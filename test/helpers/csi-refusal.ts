// A CSI refusal as tests expect it: a CsiError with the CSI-specified code and a message that says why.
import * as assert from 'uvu/assert';
import type { status as Status } from '@grpc/grpc-js';
import { CsiError } from '../../src/csi/errors.ts';

/** Runs `run` (sync or async) and asserts it refused with `code` and a message matching `text`. */
export async function refusal(run: Promise<unknown> | (() => unknown), code: Status, text: RegExp): Promise<void> {
  try {
    await (typeof run === 'function' ? run() : run);
  } catch (err) {
    assert.instance(err, CsiError);
    assert.is((err as CsiError).code, code, (err as Error).message);
    assert.match((err as Error).message, text);
    return;
  }
  assert.unreachable('expected a refusal');
}
