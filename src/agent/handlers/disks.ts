// ListDisks and WatchDisks. WatchDisks sends every known disk as ADDED, then each change the
// periodic rescan finds, until the client goes away or the agent shuts down.
import type { AgentHandlers } from '../../agent-api/generated/stratum/agent/v1/Agent.ts';
import type { AgentContext } from '../context.ts';
import { serverStream, unary } from './wrap.ts';

export function diskHandlers(ctx: AgentContext): Pick<AgentHandlers, 'ListDisks' | 'WatchDisks'> {
  return {
    ListDisks: unary(ctx, 'ListDisks', async () => ({ disks: await ctx.disks.refresh() })),
    WatchDisks: serverStream(ctx, 'WatchDisks', async (call) => {
      let live = false;
      const unsubscribe = ctx.disks.subscribe((e) => {
        if (live) call.write(e);
      });
      try {
        // Changes found by a scan are emitted before that scan resolves: the snapshot has them.
        for (const disk of await ctx.disks.refresh()) call.write({ type: 'ADDED', disk });
        live = true;
        await new Promise<void>((resolve) => {
          call.on('cancelled', resolve);
          call.on('close', resolve);
          if (ctx.stopping.aborted) resolve();
          ctx.stopping.addEventListener('abort', () => resolve(), { once: true });
        });
      } finally {
        unsubscribe();
      }
    }),
  };
}
