// Agent-to-agent volume copy between two real agent processes (mutual TLS on 127.0.0.2 and
// 127.0.0.3), on `backend: disk` volumes — plain loop devices, so the data path is real.
// A good copy reads back with the same SHA-256 and is marked complete; a cancelled stream, a
// receiver killed mid-copy, a corrupted trailer and a short stream each leave the target's
// durable marker at `incomplete`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { run } from '../../src/common/exec.ts';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { AgentHarness, callAgent, refused, type TestAgent } from '../helpers/agent-harness.ts';
import { CopyMarkers, type CopyMarker } from '../../src/agent/copy/markers.ts';
import type { VolumeChunk } from '../../src/agent-api/generated/stratum/agent/v1/VolumeChunk.ts';
import type { ReceiveVolumeResponse__Output } from '../../src/agent-api/generated/stratum/agent/v1/ReceiveVolumeResponse.ts';

const MiB = 1024 * 1024;
const SIZE = 64 * MiB;
const SOURCE = 'pvc-source';
const TARGET = 'pvc-target';

interface Ctx {
  h: AgentHarness;
  a: TestAgent;
  b: TestAgent;
  sourceDevice: string;
  targetDevice: string;
  sourceSha: string;
}

const copy = suite<Ctx>('agent/copy');

copy.before(async (ctx) => {
  ctx.h = await AgentHarness.start({ agents: 2, loopsPerAgent: 1, loopSizeBytes: SIZE });
  [ctx.a, ctx.b] = ctx.h.agents as [TestAgent, TestAgent];
  const made: string[] = [];
  for (const [agent, id] of [
    [ctx.a, SOURCE],
    [ctx.b, TARGET],
  ] as const) {
    await callAgent(agent.client, 'EnsurePool', {
      name: 'disks',
      backend: 'POOL_BACKEND_DISK',
      disks: agent.attached.map((l) => l.device),
    });
    const { volume } = await callAgent(agent.client, 'CreateVolume', { volumeId: id, pool: 'disks', sizeBytes: String(SIZE) });
    assert.ok(volume?.devicePresent, `${agent.name}: ${id} has a device`);
    made.push(volume.devicePath);
  }
  [ctx.sourceDevice, ctx.targetDevice] = made as [string, string];
  // Random data, so a copy that moved nothing, or the wrong bytes, cannot match by chance.
  const fh = await open(ctx.sourceDevice, 'r+');
  try {
    for (let off = 0; off < SIZE; off += 8 * MiB) await fh.write(randomBytes(8 * MiB), 0, 8 * MiB, off);
    await fh.sync();
  } finally {
    await fh.close();
  }
  ctx.sourceSha = await sha256Of(ctx.sourceDevice);
});

copy.after(async (ctx) => {
  await ctx.h?.cleanup();
});

async function sha256Of(device: string): Promise<string> {
  const hash = createHash('sha256');
  const fh = await open(device, 'r');
  try {
    const buf = Buffer.alloc(8 * MiB);
    for (let off = 0; off < SIZE; off += buf.length) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, off);
      hash.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

function markersOf(agent: TestAgent): CopyMarkers {
  return new CopyMarkers(path.join(agent.stateDir, 'copies'));
}

/** Polls the target's marker until `done` holds for it (bounded). */
async function waitMarker(
  agent: TestAgent,
  done: (m: CopyMarker | undefined) => boolean,
  timeoutMs = 10_000,
): Promise<CopyMarker | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const m = await markersOf(agent)
      .read(TARGET)
      .catch(() => undefined);
    if (done(m)) return m;
    if (Date.now() > until)
      throw new Error(`marker of ${TARGET} on ${agent.name} never reached the expected state; last: ${JSON.stringify(m)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A ReceiveVolume call driven by the test itself (playing a faulty sender). */
function receiveCall(agent: TestAgent) {
  let stream!: grpc.ClientWritableStream<VolumeChunk>;
  const reply = new Promise<ReceiveVolumeResponse__Output>((resolve, reject) => {
    stream = agent.client.ReceiveVolume({ deadline: Date.now() + 30_000 }, (err, res) => (err ? reject(err) : resolve(res!)));
  });
  reply.catch(() => undefined);
  return { stream, reply };
}

/**
 * Waits until the target has finished with its last copy (its failure marker is renamed into
 * place a moment before that copy lets go of the volume). Probes with an oversize header, which
 * is refused as "already running" while busy and for its size once idle; bounded.
 */
async function waitReceiverIdle(agent: TestAgent): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const probe = receiveCall(agent);
    probe.stream.write({ header: { volumeId: TARGET, totalBytes: String(SIZE * 2) } });
    probe.stream.end();
    const err = await refused(probe.reply);
    if (!/already running/.test(err.details)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${agent.name} still copying into ${TARGET} after 5 s`);
}

/** After a restart the agent knows a disk volume's device only once its first disk scan ran (bounded wait). */
async function waitDevicePresent(agent: TestAgent, volumeId: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { volumes } = await callAgent(agent.client, 'ListVolumes', {});
    if (volumes.some((v) => v.id === volumeId && v.devicePresent)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${agent.name}: ${volumeId} has no device 10 s after the restart`);
}

/** The operator's copy order: node-b takes `volumeId` from node-a (as the reconciler gives it before SendVolume). */
async function order(ctx: { b: TestAgent }, volumeId = TARGET): Promise<void> {
  await callAgent(ctx.b.client, 'ExpectVolume', { volumeId, sourceNode: 'node-a', validSeconds: 300 });
}

copy('SendVolume copies 64 MiB of random data; the target reads back the same SHA-256 and is marked complete', async (ctx) => {
  await order(ctx);
  const started = Date.now();
  const res = await callAgent(
    ctx.a.client,
    'SendVolume',
    { volumeId: SOURCE, targetAddress: ctx.b.address, targetNode: 'node-b', targetVolumeId: TARGET, chunkBytes: 0 },
    60_000,
  );
  const seconds = (Date.now() - started) / 1000;
  assert.is(res.bytes, String(SIZE));
  assert.is(res.sha256, ctx.sourceSha);
  assert.is(await sha256Of(ctx.targetDevice), ctx.sourceSha, 'the target device holds the same bytes');
  const marker = await markersOf(ctx.b).read(TARGET);
  assert.is(marker?.state, 'complete');
  assert.is(marker?.sha256, ctx.sourceSha);
  assert.is(marker?.receivedBytes, SIZE);
  const sentLog = ctx.a
    .logs()
    .split('\n')
    .find((l) => l.includes('"msg":"volume sent"'));
  const drainWaits = sentLog ? (JSON.parse(sentLog) as { drainWaits: number }).drainWaits : undefined;
  assert.type(drainWaits, 'number', 'the sender logs how often it waited for drain');
  process.stdout.write(
    `\n  [copy] 64 MiB in ${seconds.toFixed(2)} s (${(64 / seconds).toFixed(1)} MiB/s, 1 MiB chunks, send + receive + read-back verify; sender paused for drain ${drainWaits} times)\n`,
  );
});

copy('bad SendVolume input is refused before anything moves', async (ctx) => {
  await order(ctx, 'pvc-absent');
  const base = { volumeId: SOURCE, targetAddress: ctx.b.address, targetNode: 'node-b', targetVolumeId: TARGET, chunkBytes: 0 };
  const chunk = await refused(callAgent(ctx.a.client, 'SendVolume', { ...base, chunkBytes: 100 }));
  assert.is(chunk.code, grpc.status.INVALID_ARGUMENT);
  assert.match(chunk.details, 'chunk size 100');
  const addr = await refused(callAgent(ctx.a.client, 'SendVolume', { ...base, targetAddress: 'node-b;rm -rf /' }));
  assert.is(addr.code, grpc.status.INVALID_ARGUMENT);
  const missing = await refused(callAgent(ctx.a.client, 'SendVolume', { ...base, volumeId: 'pvc-nope' }));
  assert.is(missing.code, grpc.status.NOT_FOUND);
  assert.match(missing.details, 'pvc-nope');
  const remote = await refused(callAgent(ctx.a.client, 'SendVolume', { ...base, targetVolumeId: 'pvc-absent' }, 30_000));
  assert.is(remote.code, grpc.status.NOT_FOUND, remote.details);
  assert.match(remote.details, `target agent ${ctx.b.address}`);
  assert.match(remote.details, 'pvc-absent');
});

copy(
  'a source whose device node is bind-mounted (a Block volume published to a pod) is refused, naming where; nothing moves',
  async (ctx) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'stratum-bind-'));
    const node = path.join(dir, 'device');
    await writeFile(node, '');
    await run('mount', ['--bind', ctx.sourceDevice, node]);
    try {
      await order(ctx);
      const before = await markersOf(ctx.b)
        .read(TARGET)
        .catch(() => undefined);
      const base = { volumeId: SOURCE, targetAddress: ctx.b.address, targetNode: 'node-b', targetVolumeId: TARGET, chunkBytes: 0 };
      const err = await refused(callAgent(ctx.a.client, 'SendVolume', base, 30_000));
      assert.is(err.code, grpc.status.FAILED_PRECONDITION, err.details);
      assert.match(err.details, `bind-mounted at ${node}`);
      assert.equal(
        await markersOf(ctx.b)
          .read(TARGET)
          .catch(() => undefined),
        before,
        'the target was never written',
      );
    } finally {
      await run('umount', [node]);
      await rm(dir, { recursive: true, force: true });
    }
  },
);

copy('a corrupted trailer hash leaves the target incomplete (DATA_LOSS)', async (ctx) => {
  const { stream, reply } = receiveCall(ctx.b);
  stream.write({ header: { volumeId: TARGET, totalBytes: String(4 * MiB) } });
  const data = randomBytes(4 * MiB);
  for (let off = 0; off < data.length; off += MiB) stream.write({ data: data.subarray(off, off + MiB) });
  const wrong = createHash('sha256').update(data).update('x').digest('hex');
  stream.write({ trailer: { sha256: wrong } });
  stream.end();
  const err = await refused(reply);
  assert.is(err.code, grpc.status.DATA_LOSS);
  assert.match(err.details, 'checksum mismatch');
  const marker = await markersOf(ctx.b).read(TARGET);
  assert.is(marker?.state, 'incomplete');
  assert.match(marker?.reason ?? '', 'checksum mismatch');
  assert.is(marker?.receivedBytes, 4 * MiB);
});

copy('fewer bytes than the header announced leave the target incomplete', async (ctx) => {
  const { stream, reply } = receiveCall(ctx.b);
  const data = randomBytes(2 * MiB);
  stream.write({ header: { volumeId: TARGET, totalBytes: String(4 * MiB) } });
  stream.write({ data });
  stream.write({ trailer: { sha256: createHash('sha256').update(data).digest('hex') } });
  stream.end();
  const err = await refused(reply);
  assert.is(err.code, grpc.status.DATA_LOSS);
  assert.match(err.details, `received ${2 * MiB} bytes, the header announced ${4 * MiB}`);
  assert.is((await markersOf(ctx.b).read(TARGET))?.state, 'incomplete');

  // Refused before a byte is written: the device and its marker stay as they were.
  const before = await markersOf(ctx.b).read(TARGET);
  const big = receiveCall(ctx.b);
  big.stream.write({ header: { volumeId: TARGET, totalBytes: String(SIZE * 2) } });
  big.stream.end();
  const tooBig = await refused(big.reply);
  assert.is(tooBig.code, grpc.status.FAILED_PRECONDITION);
  assert.match(tooBig.details, `the copy has ${SIZE * 2}`);
  assert.equal(await markersOf(ctx.b).read(TARGET), before);

  const headless = receiveCall(ctx.b);
  headless.stream.write({ data: Buffer.from('no header') });
  headless.stream.end();
  assert.is((await refused(headless.reply)).code, grpc.status.INVALID_ARGUMENT);
});

copy('a stream cancelled in the middle leaves the target incomplete', async (ctx) => {
  const { stream, reply } = receiveCall(ctx.b);
  stream.write({ header: { volumeId: TARGET, totalBytes: String(SIZE) } });
  for (let i = 0; i < 8; i++) stream.write({ data: randomBytes(MiB) });
  await waitMarker(ctx.b, (m) => m?.state === 'incomplete' && m.reason === 'receiving');
  stream.cancel();
  assert.is((await refused(reply)).code, grpc.status.CANCELLED);
  const marker = await waitMarker(ctx.b, (m) => m?.reason !== 'receiving');
  assert.is(marker?.state, 'incomplete');
  assert.ok((marker?.receivedBytes ?? SIZE) < SIZE, `received ${marker?.receivedBytes}`);
  process.stdout.write(`\n  [copy] cancelled stream: marker reason "${marker?.reason}"\n`);
  await waitReceiverIdle(ctx.b);
});

copy('cancelling SendVolume mid-copy cancels the stream to the target, which stays incomplete', async (ctx) => {
  // 4 KiB chunks make the copy take seconds, so the cancel lands in the middle of it.
  await order(ctx);
  let call!: grpc.ClientUnaryCall;
  const sent = new Promise((resolve, reject) => {
    call = ctx.a.client.SendVolume(
      { volumeId: SOURCE, targetAddress: ctx.b.address, targetNode: 'node-b', targetVolumeId: TARGET, chunkBytes: 4096 },
      { deadline: Date.now() + 60_000 },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
  await waitMarker(ctx.b, (m) => m?.reason === 'receiving');
  call.cancel();
  assert.is((await refused(sent)).code, grpc.status.CANCELLED);
  const marker = await waitMarker(ctx.b, (m) => m?.reason !== 'receiving');
  assert.is(marker?.state, 'incomplete');
  assert.ok((marker?.receivedBytes ?? SIZE) < SIZE, `received ${marker?.receivedBytes} of ${SIZE}`);
  process.stdout.write(`\n  [copy] SendVolume cancelled after ${marker?.receivedBytes} bytes: target marker "${marker?.reason}"\n`);
  await waitReceiverIdle(ctx.b);
});

copy('a receiver killed mid-copy stays incomplete after it restarts; a new copy then completes', async (ctx) => {
  const { stream, reply } = receiveCall(ctx.b);
  stream.write({ header: { volumeId: TARGET, totalBytes: String(SIZE) } });
  for (let i = 0; i < 4; i++) stream.write({ data: randomBytes(MiB) });
  await Promise.race([
    waitMarker(ctx.b, (m) => m?.reason === 'receiving'),
    reply.then(() => {
      throw new Error('receive ended early');
    }),
  ]);
  await ctx.b.stop(0);
  assert.ok((await refused(reply)).code !== grpc.status.OK);
  const afterCrash = await markersOf(ctx.b).read(TARGET);
  assert.is(afterCrash?.state, 'incomplete');
  await ctx.b.start();
  assert.is((await markersOf(ctx.b).read(TARGET))?.state, 'incomplete', 'a restart does not turn it into done');
  await waitDevicePresent(ctx.b, TARGET);
  assert.equal(
    (await markersOf(ctx.b).list()).map((m) => [m.volumeId, m.state]),
    [[TARGET, 'incomplete']],
    'listed for reporting',
  );

  await order(ctx);
  const res = await callAgent(
    ctx.a.client,
    'SendVolume',
    { volumeId: SOURCE, targetAddress: ctx.b.address, targetNode: 'node-b', targetVolumeId: TARGET, chunkBytes: 256 * 1024 },
    60_000,
  );
  assert.is(res.sha256, ctx.sourceSha);
  assert.is(await sha256Of(ctx.targetDevice), ctx.sourceSha);
  assert.is((await markersOf(ctx.b).read(TARGET))?.state, 'complete');
});

copy.run();
