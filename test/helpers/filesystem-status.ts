// Waits for a LocalVolume's status.filesystem to show a mounted filesystem as its node measures it
// (statfs bytes, rounded as the operator writes them); the failure names what the status last said.
import { isDeepStrictEqual } from 'node:util';
import type { LocalVolume } from '../../src/api/index.ts';
import { formatBytesRounded } from '../../src/api/quantity.ts';
import { waitFor } from '../operator/support.ts';

export async function statusShowsFilesystem(
  read: () => Promise<LocalVolume | undefined>,
  want: { type: string; bytes: number; node: string },
  timeoutMs: number,
): Promise<void> {
  const expected = { type: want.type, capacity: formatBytesRounded(want.bytes), node: want.node };
  let seen: unknown;
  await waitFor(
    `status.filesystem ${JSON.stringify(expected)}`,
    async () => isDeepStrictEqual((seen = (await read())?.status?.filesystem), expected),
    timeoutMs,
    250,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; it last said ${JSON.stringify(seen)}`);
  });
}
