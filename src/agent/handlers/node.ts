// GetNodeInfo: who this agent is and what the node's kernel offers (device-mapper, DRBD).
import { existsSync } from 'node:fs';
import os from 'node:os';
import { run } from '../../common/exec.ts';
import { PACKAGE_VERSION } from '../../common/package-root.ts';
import type { AgentHandlers } from '../../agent-api/generated/stratum/agent/v1/Agent.ts';
import type { GetNodeInfoResponse } from '../../agent-api/generated/stratum/agent/v1/GetNodeInfoResponse.ts';
import type { AgentContext } from '../context.ts';
import { unary } from './wrap.ts';

export function nodeInfoHandlers(ctx: AgentContext): Pick<AgentHandlers, 'GetNodeInfo'> {
  let lvmVersion: Promise<string> | undefined;
  return {
    GetNodeInfo: unary(ctx, 'GetNodeInfo', async (_req, scope): Promise<GetNodeInfoResponse> => {
      lvmVersion ??= run('lvm', ['version'], { timeoutMs: scope.commandTimeout(10_000) })
        .then(({ stdout }) => /LVM version:\s*(\S+)/.exec(stdout)?.[1] ?? '')
        .catch(() => '');
      const drbd = await ctx.replication.version();
      return {
        nodeName: ctx.node,
        agentVersion: PACKAGE_VERSION,
        hostname: await ctx.replication.host(),
        kernelRelease: os.release(),
        deviceMapper: ctx.lvm.activation,
        drbdKernelModule: existsSync('/proc/drbd'),
        lvmVersion: await lvmVersion,
        drbdVersion: drbd?.version ?? '',
        drbdMaxReplicas: drbd?.maxReplicas ?? 0,
        replicationAddress: ctx.config.drbdAddress ?? '',
      };
    }),
  };
}
