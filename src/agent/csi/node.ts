// The CSI Node service of the agent: what kubelet calls to give a pod the volume. The volume id is
// the LocalVolume name, which is also the agent's volume id on this node, so the device comes
// from the agent's own volume list. Every call is idempotent (a repeat finds the wanted state and
// does nothing) and calls for one volume run one at a time. A replicated volume is served from its
// DRBD device: staging makes this node's replica Primary (DRBD refuses while another node is
// Primary, and when this replica has no up-to-date data to serve), unstaging makes it Secondary
// again, so the pod can start on any node that holds a replica.
import { rm, rmdir, stat } from 'node:fs/promises';
import { status as Status } from '@grpc/grpc-js';
import { TOPOLOGY_KEY } from '../../common/constants.ts';
import type { Logger } from '../../common/log.ts';
import type { NodeHandlers } from '../../csi/api/generated/csi/v1/Node.ts';
import type { VolumeCapability__Output } from '../../csi/api/generated/csi/v1/VolumeCapability.ts';
import type { NodeGetVolumeStatsResponse } from '../../csi/api/generated/csi/v1/NodeGetVolumeStatsResponse.ts';
import { accessKind, capabilityProblem, isReadOnlyMode } from '../../csi/access.ts';
import { CsiError, csiError, invalid, csiNotFound } from '../../csi/errors.ts';
import { csiUnary } from '../../csi/server.ts';
import type { Volume__Output } from '../../agent-api/generated/stratum/agent/v1/Volume.ts';
import type { CallScope } from '../../agent-api/call-scope.ts';
import { blockDeviceSize, publishBlockDevice } from '../fs/block.ts';
import { FsError } from '../fs/errors.ts';
import { findMount } from '../fs/mount-table.ts';
import { KeyedSerialQueue } from '../serial-queue.ts';
import { formatIfBlank } from '../fs/format.ts';
import { growFilesystem } from '../fs/grow.ts';
import { bindMount, deviceNumber, mountFilesystem, unmount } from '../fs/mount.ts';
import { volumeStats } from '../fs/stats.ts';
import { asFsType } from '../fs/types.ts';
import { DEFAULT_FS_TYPE } from '../../api/localvolume.ts';
import { FS_TYPE_CONTEXT_KEY } from '../../csi/volume-context.ts';

export interface NodeServiceOptions {
  readonly node: string;
  readonly log: Logger;
  /** MaxVolumesPerNode for the scheduler; 0 = no limit. */
  readonly maxVolumes: number;
  findVolume(volumeId: string, scope: CallScope): Promise<Volume__Output | undefined>;
  /** DRBD of replicated volumes. @default none: every volume is served from its own device */
  readonly replication?: {
    deviceFor(volumeId: string): Promise<string | undefined>;
    promote(volumeId: string, dryRun: boolean, scope: CallScope): Promise<string[]>;
    resize(volumeId: string, scope: CallScope): Promise<string[]>;
    demote(volumeId: string, dryRun: boolean, scope: CallScope): Promise<string[]>;
  };
}

const FS_CODES: Record<FsError['reason'], Status> = {
  'foreign-signature': Status.FAILED_PRECONDITION,
  'mount-conflict': Status.ALREADY_EXISTS,
  'not-mounted': Status.FAILED_PRECONDITION,
  'invalid-argument': Status.INVALID_ARGUMENT,
  'too-small': Status.OUT_OF_RANGE,
};

/** Runs `fn` with FsError mapped to the CSI code for its reason. */
async function fsCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof FsError) throw csiError(FS_CODES[err.reason], err.message);
    throw err;
  }
}

function need(value: string, what: string): string {
  if (!value) throw invalid(`${what} is required`);
  return value;
}

function checkCapability(cap: VolumeCapability__Output | null): VolumeCapability__Output {
  if (!cap) throw invalid('volume_capability is required');
  const problem = capabilityProblem(cap);
  if (problem) throw invalid(problem);
  return cap;
}

async function removeTarget(target: string): Promise<void> {
  const st = await stat(target).catch(() => undefined);
  if (!st) return;
  // rmdir, never a recursive delete: if an unmount silently left data behind, it stays.
  if (st.isDirectory()) await rmdir(target);
  else await rm(target, { force: true });
}

export function csiNodeHandlers(opts: NodeServiceOptions): NodeHandlers {
  const { log, node } = opts;
  const queue = new KeyedSerialQueue();

  const device = async (volumeId: string, scope: CallScope): Promise<Volume__Output> => {
    const volume = await opts.findVolume(volumeId, scope);
    if (!volume) throw csiNotFound(`volume ${volumeId} does not exist on node ${node}`);
    if (!volume.devicePresent || !volume.devicePath) {
      throw csiError(
        Status.FAILED_PRECONDITION,
        `volume ${volumeId} on node ${node} has no device node (${volume.backend === 'POOL_BACKEND_LVM' ? 'LVM activation needs device-mapper' : 'its disk is missing'})`,
      );
    }
    return volume;
  };

  /** The device a pod gets: the DRBD device of a replicated volume, else the volume's own. */
  const serving = async (
    volumeId: string,
    scope: CallScope,
  ): Promise<{ volume: Volume__Output; devicePath: string; replicated: boolean }> => {
    const volume = await device(volumeId, scope);
    const drbd = await opts.replication?.deviceFor(volumeId);
    return { volume, devicePath: drbd ?? volume.devicePath, replicated: drbd !== undefined };
  };

  const promote = async (volumeId: string, scope: CallScope): Promise<void> => {
    try {
      await opts.replication!.promote(volumeId, false, scope);
      // A grow that DRBD deferred while no node was Primary completes now.
      await opts.replication!.resize(volumeId, scope);
    } catch (err) {
      throw csiError(Status.FAILED_PRECONDITION, `volume ${volumeId} cannot be served on node ${node}: ${(err as Error).message}`);
    }
  };

  return {
    NodeGetInfo: csiUnary(log, 'NodeGetInfo', async () => ({
      nodeId: node,
      maxVolumesPerNode: String(opts.maxVolumes),
      accessibleTopology: { segments: { [TOPOLOGY_KEY]: node } },
    })),

    NodeGetCapabilities: csiUnary(log, 'NodeGetCapabilities', async () => ({
      capabilities: (['STAGE_UNSTAGE_VOLUME', 'EXPAND_VOLUME', 'GET_VOLUME_STATS', 'VOLUME_CONDITION'] as const).map((type) => ({
        rpc: { type },
      })),
    })),

    NodeStageVolume: csiUnary(log, 'NodeStageVolume', async (req, scope) => {
      const id = need(req.volumeId, 'volume_id');
      const staging = need(req.stagingTargetPath, 'staging_target_path');
      const cap = checkCapability(req.volumeCapability);
      return queue.run(id, scope, async () => {
        const { devicePath, replicated } = await serving(id, scope);
        if (replicated) await promote(id, scope);
        // Block volumes are published straight from the device: nothing to stage.
        if (accessKind(cap) === 'block') return {};
        const fsType = asFsType(cap.mount?.fsType || req.volumeContext[FS_TYPE_CONTEXT_KEY] || DEFAULT_FS_TYPE);
        await fsCall(async () => {
          const staged = await findMount(staging);
          if (staged && staged.majMin === (await deviceNumber(devicePath)) && staged.fsType !== fsType) {
            throw csiError(Status.ALREADY_EXISTS, `volume ${id} is already staged at ${staging} with ${staged.fsType}, not ${fsType}`);
          }
          const formatted = await formatIfBlank(devicePath, fsType);
          await mountFilesystem(devicePath, staging, fsType, { options: cap.mount?.mountFlags ?? [] });
          log.info({ volume: id, device: devicePath, staging, fsType, formatted: formatted.formatted }, 'volume staged');
        });
        return {};
      });
    }),

    NodeUnstageVolume: csiUnary(log, 'NodeUnstageVolume', async (req, scope) => {
      const id = need(req.volumeId, 'volume_id');
      const staging = need(req.stagingTargetPath, 'staging_target_path');
      return queue.run(id, scope, async () => {
        const { changed } = await fsCall(() => unmount(staging));
        if (changed) log.info({ volume: id, staging }, 'volume unstaged');
        if (opts.replication && (await opts.replication.deviceFor(id))) {
          try {
            await opts.replication.demote(id, false, scope);
          } catch (err) {
            throw csiError(Status.FAILED_PRECONDITION, `volume ${id} on node ${node} stays DRBD Primary: ${(err as Error).message}`);
          }
        }
        return {};
      });
    }),

    NodePublishVolume: csiUnary(log, 'NodePublishVolume', async (req, scope) => {
      const id = need(req.volumeId, 'volume_id');
      const target = need(req.targetPath, 'target_path');
      const staging = need(req.stagingTargetPath, 'staging_target_path');
      const cap = checkCapability(req.volumeCapability);
      const readOnly = req.readonly || isReadOnlyMode(cap);
      return queue.run(id, scope, async () => {
        const { devicePath } = await serving(id, scope);
        await fsCall(async () => {
          if (accessKind(cap) === 'block') {
            await publishBlockDevice(devicePath, target, { readOnly });
          } else {
            const staged = await findMount(staging);
            if (staged?.majMin !== (await deviceNumber(devicePath))) {
              throw csiError(
                Status.FAILED_PRECONDITION,
                `volume ${id} is not staged at ${staging} on node ${node}: call NodeStageVolume first`,
              );
            }
            await bindMount(staging, target, { readOnly });
          }
        });
        log.info({ volume: id, target, readOnly, block: accessKind(cap) === 'block' }, 'volume published');
        return {};
      });
    }),

    NodeUnpublishVolume: csiUnary(log, 'NodeUnpublishVolume', async (req, scope) => {
      const id = need(req.volumeId, 'volume_id');
      const target = need(req.targetPath, 'target_path');
      return queue.run(id, scope, async () => {
        await fsCall(() => unmount(target));
        await removeTarget(target);
        log.info({ volume: id, target }, 'volume unpublished');
        return {};
      });
    }),

    NodeGetVolumeStats: csiUnary(log, 'NodeGetVolumeStats', async (req, scope): Promise<NodeGetVolumeStatsResponse> => {
      const id = need(req.volumeId, 'volume_id');
      const path = need(req.volumePath, 'volume_path');
      const st = await stat(path).catch(() => undefined);
      if (!st) throw csiNotFound(`volume path ${path} does not exist on node ${node}`);
      const volume = await opts.findVolume(id, scope);
      if (!volume) throw csiNotFound(`volume ${id} does not exist on node ${node}`);
      const mounted = await findMount(path);
      const abnormal = !volume.devicePresent ? 'its device is missing' : !mounted ? `${path} is not mounted` : '';
      const volumeCondition = { abnormal: Boolean(abnormal), message: abnormal ? `volume ${id} on node ${node}: ${abnormal}` : 'healthy' };
      if (st.isBlockDevice() || (mounted && !st.isDirectory())) {
        const total = volume.devicePresent
          ? await blockDeviceSize((await opts.replication?.deviceFor(id)) ?? volume.devicePath)
          : Number(volume.sizeBytes);
        return { usage: [{ unit: 'BYTES', total: String(total) }], volumeCondition };
      }
      const s = await volumeStats(path);
      return {
        usage: [
          { unit: 'BYTES', total: String(s.totalBytes), used: String(s.usedBytes), available: String(s.availableBytes) },
          { unit: 'INODES', total: String(s.totalInodes), used: String(s.usedInodes), available: String(s.availableInodes) },
        ],
        volumeCondition,
      };
    }),

    NodeExpandVolume: csiUnary(log, 'NodeExpandVolume', async (req, scope) => {
      const id = need(req.volumeId, 'volume_id');
      const path = need(req.volumePath, 'volume_path');
      return queue.run(id, scope, async () => {
        const { devicePath } = await serving(id, scope);
        const st = await stat(path).catch(() => undefined);
        if (!st) throw csiNotFound(`volume path ${path} does not exist on node ${node}`);
        const required = BigInt(req.capacityRange?.requiredBytes || '0');
        // The device must have grown already (ControllerExpandVolume); the filesystem is always a
        // little smaller than its device, so the device is what is checked and reported.
        const size = await blockDeviceSize(devicePath);
        if (BigInt(size) < required) {
          throw new CsiError(
            Status.OUT_OF_RANGE,
            `volume ${id} on node ${node} is a ${size}-byte device, less than the ${required} asked for: the device has not grown yet`,
          );
        }
        const block = req.volumeCapability ? accessKind(req.volumeCapability) === 'block' : !st.isDirectory();
        if (!block) await fsCall(() => growFilesystem(devicePath, { mountpoint: path, timeoutMs: scope.commandTimeout(10 * 60_000) }));
        log.info({ volume: id, path, bytes: size }, 'volume expanded on the node');
        return { capacityBytes: String(size) };
      });
    }),
  };
}
