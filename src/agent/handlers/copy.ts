// SendVolume and ReceiveVolume: the agent-to-agent copy of a volume for migration. The source
// streams its device to the target agent's ReceiveVolume over mutual TLS (with this agent's
// certificate); the target checks size and SHA-256 and keeps a durable marker that says
// `complete` only after the data read back from its device matched. The target takes data only
// from the node the operator named in its copy order (ExpectVolume), proven by the sender's peer
// certificate; the sender talks only to the target node's agent, proven by its serving certificate.
import * as grpc from '@grpc/grpc-js';
import type { AgentClient, AgentHandlers } from '../../agent-api/generated/stratum/agent/v1/Agent.ts';
import type { ReceiveVolumeResponse__Output } from '../../agent-api/generated/stratum/agent/v1/ReceiveVolumeResponse.ts';
import type { SendVolumeRequest__Output } from '../../agent-api/generated/stratum/agent/v1/SendVolumeRequest.ts';
import type { SendVolumeResponse } from '../../agent-api/generated/stratum/agent/v1/SendVolumeResponse.ts';
import type { CopyProgress } from '../../agent-api/generated/stratum/agent/v1/CopyProgress.ts';
import type { GetCopyProgressRequest__Output } from '../../agent-api/generated/stratum/agent/v1/GetCopyProgressRequest.ts';
import type { CallScope } from '../../agent-api/call-scope.ts';
import type { AgentContext } from '../context.ts';
import { AgentError, dataLoss, failedPrecondition, invalidArgument, notFound, type ErrorKind } from '../../agent-api/errors.ts';
import type { ExpectVolumeRequest__Output } from '../../agent-api/generated/stratum/agent/v1/ExpectVolumeRequest.ts';
import { callerOfCall } from '../authorize.ts';
import { CopyOrders } from '../copy/orders.ts';
import { deviceUsers } from '../fs/device-users.ts';
import { checkName, checkNodeName } from '../validate.ts';
import { blockDeviceSize } from '../fs/block.ts';
import { DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES, MIN_CHUNK_BYTES } from '../copy/device-io.ts';
import { copyMarkersFor } from '../copy/markers-dir.ts';
import { VolumeReceiver } from '../copy/receive.ts';
import { streamVolume } from '../copy/send.ts';
import { clientStream, unary } from './wrap.ts';

type CopyHandlers = Pick<AgentHandlers, 'ExpectVolume' | 'SendVolume' | 'GetCopyProgress' | 'ReceiveVolume'>;

const TARGET_ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

/** The target's status, kept as a status of this call (the operator sees the target's reason). */
const REMOTE_KINDS: Partial<Record<grpc.status, ErrorKind>> = {
  [grpc.status.INVALID_ARGUMENT]: 'InvalidArgument',
  [grpc.status.NOT_FOUND]: 'NotFound',
  [grpc.status.FAILED_PRECONDITION]: 'FailedPrecondition',
  [grpc.status.PERMISSION_DENIED]: 'PermissionDenied',
  [grpc.status.DATA_LOSS]: 'DataLoss',
  [grpc.status.DEADLINE_EXCEEDED]: 'DeadlineExceeded',
  [grpc.status.UNAVAILABLE]: 'Unavailable',
};

function remoteError(target: string, err: unknown): AgentError {
  const e = err as Partial<grpc.ServiceError>;
  const kind = (e.code !== undefined && REMOTE_KINDS[e.code]) || 'Internal';
  return new AgentError(kind, `target agent ${target}: ${e.details ?? (err as Error).message}`, { cause: err });
}

function checkTarget(address: string): string {
  const m = TARGET_ADDRESS.exec(address);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65_535) throw invalidArgument(`target address ${JSON.stringify(address)} is not host:port`);
  return address;
}

function checkChunk(bytes: number): number {
  if (bytes === 0) return DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(bytes) || bytes < MIN_CHUNK_BYTES || bytes > MAX_CHUNK_BYTES) {
    throw invalidArgument(`chunk size ${bytes} must be from ${MIN_CHUNK_BYTES} to ${MAX_CHUNK_BYTES} bytes (0: ${DEFAULT_CHUNK_BYTES})`);
  }
  return bytes;
}

/** The device of a volume of this node that can be read or written now. */
async function usableDevice(ctx: AgentContext, volumeId: string, scope: CallScope): Promise<string> {
  const volume = await ctx.findVolume(volumeId, scope);
  if (!volume) throw notFound(`volume ${volumeId} does not exist on node ${ctx.node}`, 'VolumeNotFound');
  if (!volume.devicePresent)
    throw failedPrecondition(
      `volume ${volumeId} has no device node on node ${ctx.node} (its disk is missing, or LVM runs without device-mapper)`,
    );
  const users = await deviceUsers(volume.devicePath);
  if (volume.open && !users.length) users.push('open (LVM counts an opener)');
  if (users.length)
    throw failedPrecondition(
      `volume ${volumeId}: ${volume.devicePath} on node ${ctx.node} is ${users.join(', ')}; nothing may use it while it is copied`,
      { reason: 'VolumeInUse' },
    );
  return volume.devicePath;
}

/**
 * Opens a ReceiveVolume call. An early answer from the target (a refusal, a failure) aborts
 * `abort`, so the sender stops reading; an abort for any reason cancels the call, so the target
 * stops writing and marks its copy incomplete.
 */
function openReceive(client: AgentClient, deadline: number, abort: AbortController) {
  let failure: unknown;
  let settle!: (err: grpc.ServiceError | null, res?: ReceiveVolumeResponse__Output) => void;
  const reply = new Promise<ReceiveVolumeResponse__Output>((resolve, reject) => {
    settle = (err, res) => {
      if (err || !res) {
        failure = err ?? new Error('no reply');
        abort.abort(failure);
        reject(failure);
      } else resolve(res);
    };
  });
  reply.catch(() => undefined);
  const stream = client.ReceiveVolume({ deadline }, (err, res) => settle(err, res));
  abort.signal.addEventListener('abort', () => stream.cancel(), { once: true });
  return { stream, reply, failure: () => failure };
}

export function copyHandlers(ctx: AgentContext): CopyHandlers {
  const receiver = new VolumeReceiver(copyMarkersFor(ctx.config));
  const orders = new CopyOrders(ctx.node);
  // The sends running now, by volume: what GetCopyProgress reports.
  const sending = new Map<string, { sent: number; total: number }>();

  async function expect(req: ExpectVolumeRequest__Output): Promise<Record<string, never>> {
    const volumeId = checkName('volume', req.volumeId);
    const source = checkNodeName('source node', req.sourceNode);
    orders.expect(volumeId, source, (req.validSeconds || 3600) * 1000);
    ctx.log.info({ volume: volumeId, from: source, validSeconds: req.validSeconds || 3600 }, 'copy order received');
    return {};
  }

  async function send(req: SendVolumeRequest__Output, scope: CallScope): Promise<SendVolumeResponse> {
    const volumeId = checkName('volume', req.volumeId);
    const targetVolumeId = checkName('volume', req.targetVolumeId);
    const target = checkTarget(req.targetAddress);
    const targetNode = checkNodeName('target node', req.targetNode);
    const chunkBytes = checkChunk(req.chunkBytes);
    const device = await usableDevice(ctx, volumeId, scope);
    const bytes = await blockDeviceSize(device);

    scope.check();
    const client = ctx.connectAgent(target, targetNode);
    // One abort for everything: this call's cancellation or deadline, a local failure, or the target's early answer.
    const abort = new AbortController();
    const onScopeAbort = () => abort.abort(scope.signal.reason);
    scope.signal.addEventListener('abort', onScopeAbort, { once: true });
    const progress = { sent: 0, total: bytes };
    sending.set(volumeId, progress);
    try {
      const receive = openReceive(client, Date.now() + scope.remainingMs(), abort);
      let sent;
      try {
        sent = await streamVolume(receive.stream, {
          device,
          bytes,
          targetVolumeId,
          chunkBytes,
          signal: abort.signal,
          bytesPerSecond: ctx.config.copyBytesPerSecond,
          onProgress: (n) => (progress.sent = n),
        });
      } catch (err) {
        abort.abort(err);
        const failure = receive.failure();
        throw failure ? remoteError(target, failure) : err;
      }
      const res = await receive.reply.catch((err: unknown) => {
        throw remoteError(target, err);
      });
      if (!res.verified || res.sha256 !== sent.sha256 || Number(res.bytes) !== sent.bytes) {
        throw dataLoss(
          `volume ${volumeId} → ${target}/${targetVolumeId}: sent ${sent.bytes} bytes with SHA-256 ${sent.sha256}, the target answered ${res.bytes} bytes, ${res.sha256}, verified=${res.verified}`,
        );
      }
      ctx.log.info(
        { volume: volumeId, target, targetVolume: targetVolumeId, bytes: sent.bytes, sha256: sent.sha256, drainWaits: sent.drainWaits },
        'volume sent',
      );
      return { bytes: String(sent.bytes), sha256: sent.sha256 };
    } finally {
      if (sending.get(volumeId) === progress) sending.delete(volumeId);
      scope.signal.removeEventListener('abort', onScopeAbort);
      client.close();
    }
  }

  async function copyProgress(req: GetCopyProgressRequest__Output): Promise<CopyProgress> {
    const p = sending.get(checkName('volume', req.volumeId));
    return { active: !!p, sentBytes: String(p?.sent ?? 0), totalBytes: String(p?.total ?? 0) };
  }

  return {
    ExpectVolume: unary(ctx, 'ExpectVolume', expect),
    SendVolume: unary(ctx, 'SendVolume', send),
    GetCopyProgress: unary(ctx, 'GetCopyProgress', copyProgress),
    ReceiveVolume: clientStream(ctx, 'ReceiveVolume', async (call, scope) => {
      // Ends the read loop when the call is cancelled or runs past its deadline.
      scope.signal.addEventListener('abort', () => call.destroy(scope.signal.reason as Error), { once: true });
      const caller = callerOfCall(call);
      const r = await receiver.receive(
        call,
        (id) => {
          // The operator may write any volume itself; a peer only the one it was ordered to send.
          if (caller?.role !== 'operator') orders.check(id, caller);
          return usableDevice(ctx, id, scope);
        },
        scope.signal,
      );
      ctx.log.info({ volume: r.volumeId, bytes: r.bytes, sha256: r.sha256 }, 'volume received and verified');
      return { bytes: String(r.bytes), sha256: r.sha256, verified: true };
    }),
  };
}
