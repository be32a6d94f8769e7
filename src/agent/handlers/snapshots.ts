// CreateSnapshot, DeleteSnapshot, ListSnapshots: thin LVM snapshots (src/agent/lvm/snapshots.ts).
// Restores and clones arrive as CreateVolume with a source (handlers/volumes.ts).
import type { AgentHandlers } from '../../agent-api/generated/stratum/agent/v1/Agent.ts';
import type { AgentContext } from '../context.ts';
import { unary } from './wrap.ts';

export function snapshotHandlers(ctx: AgentContext): Pick<AgentHandlers, 'CreateSnapshot' | 'DeleteSnapshot' | 'ListSnapshots'> {
  return {
    CreateSnapshot: unary(ctx, 'CreateSnapshot', (req, scope) => ctx.snapshots.create(req.snapshotId, req.volumeId, scope)),
    DeleteSnapshot: unary(ctx, 'DeleteSnapshot', async (req, scope) => ({ deleted: await ctx.snapshots.delete(req.snapshotId, scope) })),
    ListSnapshots: unary(ctx, 'ListSnapshots', async (req, scope) => ({ snapshots: await ctx.snapshots.list(req.pool, scope) })),
  };
}
