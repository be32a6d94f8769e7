// CreateVolume, ExpandVolume, DeleteVolume, ListVolumes.
import type { AgentHandlers } from '../../agent-api/generated/stratum/agent/v1/Agent.ts';
import type { AgentContext } from '../context.ts';
import { unary } from './wrap.ts';

export function volumeHandlers(ctx: AgentContext): Pick<AgentHandlers, 'CreateVolume' | 'ExpandVolume' | 'DeleteVolume' | 'ListVolumes'> {
  return {
    CreateVolume: unary(ctx, 'CreateVolume', (req, scope) => ctx.volumes.create(req, scope)),
    ExpandVolume: unary(ctx, 'ExpandVolume', (req, scope) => ctx.volumes.expand(req, scope)),
    DeleteVolume: unary(ctx, 'DeleteVolume', async (req, scope) => ({ deleted: await ctx.volumes.delete(req.volumeId, req.pool, scope) })),
    ListVolumes: unary(ctx, 'ListVolumes', async (req, scope) => ({ volumes: await ctx.volumes.list(req.pool, scope) })),
  };
}
