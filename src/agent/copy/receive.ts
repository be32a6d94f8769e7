// The receiving half of a volume copy. The stream must be: one header, data chunks that add up
// to exactly the header's size, one trailer. Every byte is hashed as it arrives (that checks the
// transfer); after the last one the device is fsynced, its cache dropped, and the written range
// read back and hashed (that checks what the device really holds). Only when the sender's hash,
// the received bytes' hash and the read-back hash all agree is the copy marked complete. Once
// writing may have begun, every other ending — bad order, wrong size, cut or cancelled stream,
// mismatch, crash — leaves the durable marker at `incomplete`; a copy refused before that (no
// such volume, too small) leaves device and marker as they were.
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { VolumeChunk__Output } from '../../agent-api/generated/stratum/agent/v1/VolumeChunk.ts';
import { dataLoss, failedPrecondition, invalidArgument } from '../../agent-api/errors.ts';
import { checkName } from '../validate.ts';
import { blockDeviceSize } from '../fs/block.ts';
import { hashDeviceFromDisk, DEFAULT_CHUNK_BYTES } from './device-io.ts';
import type { CopyMarkers } from './markers.ts';

export interface ReceiveResult {
  readonly volumeId: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** Finds the device of a volume of this node that is to receive a copy; refuses one that is absent or mounted. */
export type ResolveTarget = (volumeId: string) => Promise<string>;

export class VolumeReceiver {
  private readonly active = new Set<string>();

  constructor(private readonly markers: CopyMarkers) {}

  async receive(chunks: AsyncIterable<VolumeChunk__Output>, resolveTarget: ResolveTarget, signal?: AbortSignal): Promise<ReceiveResult> {
    const it = chunks[Symbol.asyncIterator]();
    const first = await it.next();
    const header = first.done ? undefined : first.value.header;
    if (!header || first.value.chunk !== 'header') throw invalidArgument('a volume copy stream must start with a header');
    const volumeId = checkName('volume', header.volumeId);
    const total = Number(header.totalBytes);
    if (!Number.isSafeInteger(total) || total <= 0)
      throw invalidArgument(`volume ${volumeId}: header size ${JSON.stringify(header.totalBytes)} is not a positive number of bytes`);
    if (this.active.has(volumeId)) throw failedPrecondition(`volume ${volumeId}: a copy into it is already running`);
    this.active.add(volumeId);
    try {
      return await this.receiveInto(volumeId, total, it, resolveTarget, signal);
    } finally {
      this.active.delete(volumeId);
    }
  }

  private async receiveInto(
    volumeId: string,
    total: number,
    it: AsyncIterator<VolumeChunk__Output>,
    resolveTarget: ResolveTarget,
    signal?: AbortSignal,
  ): Promise<ReceiveResult> {
    // Refusals before anything is written leave the device — and its marker — as they were.
    const device = await resolveTarget(volumeId);
    const capacity = await blockDeviceSize(device);
    if (capacity < total) throw failedPrecondition(`volume ${volumeId}: ${device} holds ${capacity} bytes, the copy has ${total}`);

    // From here on the device may change: the marker says incomplete before anything is written.
    await this.markers.write({ volumeId, state: 'incomplete', expectedBytes: total, receivedBytes: 0, reason: 'receiving' });
    let received = 0;
    let fh: FileHandle | undefined;
    try {
      fh = await open(device, 'r+');
      const hash = createHash('sha256');
      let trailer: string | undefined;
      for (let next = await it.next(); !next.done; next = await it.next()) {
        signal?.throwIfAborted();
        const msg = next.value;
        if (msg.chunk === 'data' && msg.data) {
          if (received + msg.data.length > total) throw invalidArgument(`volume ${volumeId}: more data than the ${total} bytes announced`);
          await fh.write(msg.data, 0, msg.data.length, received);
          hash.update(msg.data);
          received += msg.data.length;
        } else if (msg.chunk === 'trailer' && msg.trailer) {
          trailer = msg.trailer.sha256;
          break;
        } else {
          throw invalidArgument(`volume ${volumeId}: unexpected ${msg.chunk ?? 'empty'} message after the header`);
        }
      }
      signal?.throwIfAborted();
      if (trailer === undefined)
        throw dataLoss(`volume ${volumeId}: the stream ended after ${received} of ${total} bytes, without a trailer`);
      if (received !== total) throw dataLoss(`volume ${volumeId}: received ${received} bytes, the header announced ${total}`);
      await fh.sync();
      await fh.close();
      fh = undefined;
      const arrived = hash.digest('hex');
      if (arrived !== trailer)
        throw dataLoss(
          `volume ${volumeId}: checksum mismatch: the sender's trailer says ${trailer}, the received bytes hash to ${arrived}`,
        );
      const onDisk = await hashDeviceFromDisk(device, total, DEFAULT_CHUNK_BYTES, signal);
      if (onDisk !== arrived)
        throw dataLoss(`volume ${volumeId}: ${device} reads back as ${onDisk} after writing data that hashed to ${arrived}`);
      await this.markers.write({ volumeId, state: 'complete', expectedBytes: total, receivedBytes: received, sha256: onDisk });
      return { volumeId, bytes: total, sha256: onDisk };
    } catch (err) {
      const reason = signal?.aborted
        ? `cancelled: ${String((signal.reason as Error | undefined)?.message ?? signal.reason)}`
        : (err as Error).message;
      // If even this write fails, the marker still says "receiving": incomplete either way.
      await this.markers
        .write({ volumeId, state: 'incomplete', expectedBytes: total, receivedBytes: received, reason })
        .catch(() => undefined);
      throw err;
    } finally {
      await fh?.close();
    }
  }
}
