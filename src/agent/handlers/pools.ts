// EnsurePool, DeletePool, ListPools.
import type { AgentHandlers } from '../../agent-api/generated/stratum/agent/v1/Agent.ts';
import type { AgentContext } from '../context.ts';
import { backendOf } from '../pools/service.ts';
import { unary } from './wrap.ts';

export function poolHandlers(ctx: AgentContext): Pick<AgentHandlers, 'EnsurePool' | 'DeletePool' | 'ListPools'> {
  return {
    EnsurePool: unary(ctx, 'EnsurePool', (req, scope) =>
      ctx.pools.ensure(
        { name: req.name, backend: backendOf(req.backend), thin: req.thin, disks: req.disks, allowUsed: req.allowUsed },
        scope,
      ),
    ),
    DeletePool: unary(ctx, 'DeletePool', async (req, scope) => ({ deleted: await ctx.pools.delete(req.name, scope) })),
    ListPools: unary(ctx, 'ListPools', async (_req, scope) => ({ pools: await ctx.pools.list(scope) })),
  };
}
