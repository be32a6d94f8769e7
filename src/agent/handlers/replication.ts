// ConfigureReplication, GetReplicationStatus, RemoveReplication, Promote, Demote: the gRPC face of
// the node's ReplicationService (src/agent/drbd/service.ts), which owns the DRBD resources.
import type { AgentHandlers } from '../../agent-api/generated/stratum/agent/v1/Agent.ts';
import type { AgentContext } from '../context.ts';
import { unary } from './wrap.ts';

type ReplicationHandlers = Pick<
  AgentHandlers,
  'ConfigureReplication' | 'GetReplicationStatus' | 'RemoveReplication' | 'Promote' | 'Demote'
>;

export function replicationHandlers(ctx: AgentContext): ReplicationHandlers {
  const drbd = ctx.replication;
  return {
    ConfigureReplication: unary(ctx, 'ConfigureReplication', (req, scope) => drbd.configure(req, scope)),
    GetReplicationStatus: unary(ctx, 'GetReplicationStatus', (req, scope) => drbd.status(req.volumeId, scope)),
    RemoveReplication: unary(ctx, 'RemoveReplication', (req, scope) => drbd.remove(req.volumeId, scope)),
    Promote: unary(ctx, 'Promote', async (req, scope) => ({ commands: await drbd.promote(req.volumeId, req.dryRun, scope) })),
    Demote: unary(ctx, 'Demote', async (req, scope) => ({ commands: await drbd.demote(req.volumeId, req.dryRun, scope) })),
  };
}
