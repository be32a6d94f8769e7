// CreateVolume, ExpandVolume, DeleteVolume, ListVolumes. A replicated volume grows in order: its
// LV (and DRBD metadata LV), then the DRBD device (`drbdadm resize`, which takes the smallest LV of
// all replicas, so the last replica to grow is the one that makes the device grow), then — on the
// node that mounts it — the filesystem (NodeExpandVolume).
import type { AgentHandlers } from '../../agent-api/generated/stratum/agent/v1/Agent.ts';
import type { Volume__Output } from '../../agent-api/generated/stratum/agent/v1/Volume.ts';
import type { AgentContext } from '../context.ts';
import { mountedFilesystems } from '../fs/mounted.ts';
import { unary } from './wrap.ts';

export function volumeHandlers(ctx: AgentContext): Pick<AgentHandlers, 'CreateVolume' | 'ExpandVolume' | 'DeleteVolume' | 'ListVolumes'> {
  return {
    CreateVolume: unary(ctx, 'CreateVolume', (req, scope) =>
      req.source?.kind ? ctx.snapshots.createVolume({ ...req, source: req.source }, scope) : ctx.volumes.create(req, scope),
    ),
    ExpandVolume: unary(ctx, 'ExpandVolume', async (req, scope) => {
      const res = await ctx.volumes.expand(req, scope);
      // Also when the LV had already grown: an earlier resize may have failed (a peer not connected).
      await ctx.replication.resize(req.volumeId, scope);
      return res;
    }),
    DeleteVolume: unary(ctx, 'DeleteVolume', async (req, scope) => ({ deleted: await ctx.volumes.delete(req, scope) })),
    ListVolumes: unary(ctx, 'ListVolumes', async (req, scope) => ({
      volumes: await withFilesystems(ctx, await ctx.volumes.list(req.pool, scope)),
    })),
  };
}

/** Each listed volume with the filesystem mounted from it here, if any: its own device, or its DRBD device. */
async function withFilesystems(ctx: AgentContext, volumes: Volume__Output[]): Promise<Volume__Output[]> {
  const devices = new Map<string, string[]>();
  for (const v of volumes) {
    if (!v.devicePresent || v.orphan) continue;
    const drbd = await ctx.replication.deviceFor(v.id);
    devices.set(v.id, drbd ? [drbd, v.devicePath] : [v.devicePath]);
  }
  const mounted = await mountedFilesystems(devices);
  return volumes.map((v) => {
    const fs = v.orphan ? undefined : mounted.get(v.id);
    return fs ? { ...v, filesystem: fs } : v;
  });
}
