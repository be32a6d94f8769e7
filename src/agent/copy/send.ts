// The sending half of a volume copy: header, the device's bytes in chunks, then a trailer with
// the SHA-256 of every byte sent. Waits for 'drain' whenever the stream says its buffer is full,
// so a slow receiver slows the reads instead of piling chunks up in memory.
import { createHash } from 'node:crypto';
import { once, type EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers/promises';
import type { VolumeChunk } from '../../agent-api/generated/stratum/agent/v1/VolumeChunk.ts';
import { readDevice } from './device-io.ts';

/** The writable half of a ReceiveVolume call (grpc-js ClientWritableStream). */
export interface ChunkSink extends EventEmitter {
  write(chunk: VolumeChunk): boolean;
  end(): void;
}

export interface StreamVolumeOptions {
  readonly device: string;
  /** Bytes to send from the start of the device. */
  readonly bytes: number;
  /** Volume id on the receiving node. */
  readonly targetVolumeId: string;
  readonly chunkBytes: number;
  readonly signal?: AbortSignal;
  /** At most this many bytes a second on average (0: as fast as it goes), so an eviction leaves the disk to its users. */
  readonly bytesPerSecond?: number;
  /** Told the bytes sent so far after each chunk. */
  readonly onProgress?: (sentBytes: number) => void;
}

export interface StreamVolumeResult {
  readonly bytes: number;
  readonly sha256: string;
  /** How often the sender paused for 'drain' (backpressure from the receiver). */
  readonly drainWaits: number;
}

export async function streamVolume(sink: ChunkSink, opts: StreamVolumeOptions): Promise<StreamVolumeResult> {
  const hash = createHash('sha256');
  let drainWaits = 0;
  let sent = 0;
  const started = performance.now();
  sink.write({ header: { volumeId: opts.targetVolumeId, totalBytes: String(opts.bytes) } });
  await readDevice(
    opts.device,
    opts.bytes,
    opts.chunkBytes,
    async (chunk) => {
      hash.update(chunk);
      if (!sink.write({ data: chunk })) {
        drainWaits++;
        // Rejects if the stream fails or the call is aborted while waiting.
        await once(sink, 'drain', { signal: opts.signal });
      }
      sent += chunk.length;
      opts.onProgress?.(sent);
      if (opts.bytesPerSecond) {
        const ahead = (sent / opts.bytesPerSecond) * 1000 - (performance.now() - started);
        if (ahead > 0) await setTimeout(ahead, undefined, { signal: opts.signal });
      }
    },
    opts.signal,
  );
  const sha256 = hash.digest('hex');
  sink.write({ trailer: { sha256 } });
  sink.end();
  return { bytes: opts.bytes, sha256, drainWaits };
}
