// ConfigureReplication, Promote, Demote: the DRBD resource file of a replicated volume, checked by
// drbdadm's parser before it replaces the old one, and the role changes. Where the node has no
// DRBD kernel module, ConfigureReplication writes and checks the file and reports what bringing
// it up would run; Promote/Demote then work only as dry runs.
import { access, rm } from 'node:fs/promises';
import { DRBD_MINOR_BASE } from '../../common/constants.ts';
import type { AgentHandlers } from '../../agent-api/generated/stratum/agent/v1/Agent.ts';
import type { ConfigureReplicationRequest__Output } from '../../agent-api/generated/stratum/agent/v1/ConfigureReplicationRequest.ts';
import type { ConfigureReplicationResponse } from '../../agent-api/generated/stratum/agent/v1/ConfigureReplicationResponse.ts';
import type { CallScope } from '../../agent-api/call-scope.ts';
import type { AgentContext } from '../context.ts';
import { AgentError, alreadyExists, failedPrecondition, invalidArgument, notFound } from '../../agent-api/errors.ts';
import { SerialQueue } from '../serial-queue.ts';
import { checkName } from '../validate.ts';
import { Drbdadm, DrbdConfigError } from '../drbd/drbdadm.ts';
import { readResourceFiles, resourceFilePath, writeResourceFile } from '../drbd/files.ts';
import { drbdadmFor, drbdHostname, drbdSettings } from '../drbd/host.ts';
import { bringUp, DEMOTE, DOWN, drbdKernelModuleLoaded, PROMOTE, runStep } from '../drbd/lifecycle.ts';
import { minorsInUse } from '../drbd/minors.ts';
import { renderResource } from '../drbd/render.ts';
import { checkProtocol, checkResourceSpec, resourceNameFor } from '../drbd/resource.ts';
import { unary } from './wrap.ts';

type ReplicationHandlers = Pick<AgentHandlers, 'ConfigureReplication' | 'RemoveReplication' | 'Promote' | 'Demote'>;

export function replicationHandlers(ctx: AgentContext): ReplicationHandlers {
  const settings = drbdSettings(ctx.config);
  const drbdadm = drbdadmFor(settings);
  // The parser runs in the agent's own UTS namespace. Where drbdadm runs in a namespace of its
  // own (tests: several agents on one machine), its host-specific check — this host's address is
  // on one of its interfaces — would fail for 127.0.0.2…, which are routed but not configured.
  const parser = new Drbdadm();
  let hostname: Promise<string> | undefined;
  // Minor checks and file writes of different volumes must not interleave.
  const writes = new SerialQueue();
  const call = (scope: CallScope, capMs = 60_000) => ({ timeoutMs: scope.commandTimeout(capMs), signal: scope.signal });

  async function configure(req: ConfigureReplicationRequest__Output, scope: CallScope): Promise<ConfigureReplicationResponse> {
    const volumeId = checkName('volume', req.volumeId);
    const protocol = checkProtocol(req.protocol);
    const self = req.peers.find((p) => p.nodeId === req.nodeId);
    if (!self) throw invalidArgument(`volume ${volumeId}: node id ${req.nodeId} (this node) is not one of the replicas`);
    for (const p of req.peers) {
      if (p.minor < DRBD_MINOR_BASE) throw invalidArgument(`volume ${volumeId}: replica ${JSON.stringify(p.node)} needs a DRBD minor of at least ${DRBD_MINOR_BASE}, got ${p.minor}`);
    }
    hostname ??= drbdHostname(settings);
    const host = await hostname;
    if (self.node !== host) {
      const message = `volume ${volumeId}: this node's replica is named ${JSON.stringify(self.node)}, but drbdadm knows this host as ${JSON.stringify(host)}`;
      throw failedPrecondition(message, { reason: 'HostNameMismatch' });
    }
    const volume = await ctx.findVolume(volumeId, scope);
    if (!volume) throw notFound(`volume ${volumeId} does not exist on node ${ctx.node}`, 'VolumeNotFound');
    const res = checkResourceSpec({
      volumeId,
      port: req.port,
      protocol,
      nodes: req.peers.map((p) => ({ name: p.node, nodeId: p.nodeId, address: p.address, disk: p === self ? volume.devicePath : p.devicePath, minor: p.minor })),
    });
    const owner = minorsInUse(await readResourceFiles(settings.configDir), host).get(self.minor);
    if (owner !== undefined && owner !== res.name) throw alreadyExists(`volume ${volumeId}: DRBD minor ${self.minor} is already used by resource ${owner} on node ${ctx.node}`);

    const written = await writeResourceFile(settings.configDir, res.name, renderResource(res), (tmp) => parser.check(tmp, call(scope))).catch((err: unknown) => {
      if (!(err instanceof DrbdConfigError)) throw err;
      // drbdadm checks that this host's own address is configured on one of its interfaces.
      if (/not found on this host/.test(err.detail)) throw failedPrecondition(`volume ${volumeId}: ${err.detail}`, { cause: err });
      // Every other field was checked before rendering: a refusal here is Stratum's bug, not the caller's.
      throw new AgentError('Internal', `volume ${volumeId}: the rendered DRBD resource was refused: ${err.message}`, { cause: err });
    });
    const applied = drbdKernelModuleLoaded();
    const commands = await bringUp(drbdadm, { file: written.path, resource: res.name, dryRun: !applied }, call(scope));
    ctx.log.info({ volume: volumeId, resource: res.name, changed: written.changed, applied }, 'DRBD resource configured');
    return { resource: res.name, configPath: written.path, devicePath: `/dev/drbd${self.minor}`, changed: written.changed, commands, applied };
  }

  async function changeRole(volumeIdIn: string, subcommand: readonly string[], dryRun: boolean, scope: CallScope): Promise<{ commands: string[] }> {
    const resource = resourceNameFor(volumeIdIn);
    const file = resourceFilePath(settings.configDir, resource);
    if (!(await access(file).then(() => true, () => false))) {
      throw notFound(`volume ${volumeIdIn} has no DRBD resource on node ${ctx.node}: call ConfigureReplication first`);
    }
    if (!dryRun && !drbdKernelModuleLoaded()) throw failedPrecondition(`node ${ctx.node} has no DRBD kernel module: only a dry run is possible`, { reason: 'DrbdNotLoaded' });
    return { commands: await runStep(drbdadm, subcommand, { file, resource, dryRun }, call(scope)) };
  }

  async function removeResource(volumeIdIn: string, scope: CallScope): Promise<{ removed: boolean; commands: string[] }> {
    const resource = resourceNameFor(checkName('volume', volumeIdIn));
    const file = resourceFilePath(settings.configDir, resource);
    if (!(await access(file).then(() => true, () => false))) return { removed: false, commands: [] };
    const commands = drbdKernelModuleLoaded() ? await runStep(drbdadm, DOWN, { file, resource, dryRun: false }, call(scope)) : [];
    await rm(file, { force: true });
    ctx.log.info({ volume: volumeIdIn, resource }, 'DRBD resource removed');
    return { removed: true, commands };
  }

  return {
    ConfigureReplication: unary(ctx, 'ConfigureReplication', (req, scope) => writes.run(scope, () => configure(req, scope))),
    RemoveReplication: unary(ctx, 'RemoveReplication', (req, scope) => writes.run(scope, () => removeResource(req.volumeId, scope))),
    Promote: unary(ctx, 'Promote', (req, scope) => changeRole(req.volumeId, PROMOTE, req.dryRun, scope)),
    Demote: unary(ctx, 'Demote', (req, scope) => changeRole(req.volumeId, DEMOTE, req.dryRun, scope)),
  };
}
