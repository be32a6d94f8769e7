// The DRBD side of this node's volumes: the resource file of a replicated volume (checked by
// drbdadm's parser before it replaces the old one), bringing it up with its metadata LV, the
// one-time choice of the initial sync source, role changes for the CSI node service, resize after
// growth, status, and removal. Where the node has no DRBD kernel module, files are written and
// checked and drbdadm's dry run shows what would run; nothing else can happen there.
import { existsSync } from 'node:fs';
import { access, readFile, rm } from 'node:fs/promises';
import { CommandError, run } from '../../common/exec.ts';
import type { Logger } from '../../common/log.ts';
import type { CallScope } from '../../agent-api/call-scope.ts';
import type { Volume__Output } from '../../agent-api/generated/stratum/agent/v1/Volume.ts';
import { AgentError, alreadyExists, failedPrecondition, invalidArgument, notFound } from '../../agent-api/errors.ts';
import { DRBD_MINOR_BASE } from '../../common/constants.ts';
import { SerialQueue } from '../serial-queue.ts';
import { checkName } from '../validate.ts';
import type { VolumeService } from '../volumes/service.ts';
import { Drbdadm, DrbdConfigError, type CallOptions } from './drbdadm.ts';
import { readResourceFiles, resourceFilePath, writeResourceFile } from './files.ts';
import { drbdHostname, type DrbdSettings } from './host.ts';
import { bringUp, DEMOTE, DOWN, PROMOTE, PROMOTE_AS_SYNC_SOURCE, RESIZE, runStep } from './lifecycle.ts';
import { metadataDevicePath } from './metadata.ts';
import { minorOf, minorsInUse } from './minors.ts';
import { renderResource } from './render.ts';
import { checkProtocol, checkResourceSpec, resourceNameFor } from './resource.ts';
import { isSyncing, localSyncPercent, parseProcDrbd, stateFrom84, stateFromJson, type ResourceState } from './status.ts';
import { detectDrbd, loadDrbdModule, PROC_DRBD, type DrbdVersion } from './version.ts';

export interface ReplicaPeer {
  readonly node: string;
  readonly address: string;
  readonly nodeId: number;
  readonly devicePath: string;
  readonly minor: number;
}

export interface ConfigureRequest {
  readonly volumeId: string;
  readonly port: number;
  readonly protocol: string;
  readonly peers: readonly ReplicaPeer[];
  readonly nodeId: number;
  readonly initialSyncSource: boolean;
}

export interface ConfigureResult {
  readonly resource: string;
  readonly configPath: string;
  readonly devicePath: string;
  readonly changed: boolean;
  readonly commands: string[];
  readonly applied: boolean;
  readonly initialSyncStarted: boolean;
}

export interface ReplicaStatus {
  readonly resource: string;
  readonly configured: boolean;
  readonly up: boolean;
  readonly role: string;
  readonly diskState: string;
  readonly syncPercent: number;
  readonly peers: {
    node: string;
    connectionState: string;
    role: string;
    diskState: string;
    replicationState: string;
    syncPercent: number;
    syncing: boolean;
  }[];
  readonly devicePath: string;
  readonly sizeBytes: string;
  readonly drbdVersion: string;
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

export class ReplicationService {
  /** Minor checks and file writes of different volumes must not interleave. */
  private readonly writes = new SerialQueue();
  private hostname?: Promise<string>;
  private detected?: Promise<DrbdVersion | undefined>;

  constructor(
    private readonly node: string,
    private readonly settings: DrbdSettings,
    private readonly volumes: VolumeService,
    private readonly log: Logger,
    /** --drbd-version: what to assume where no module is installed (drbdadm then only checks and dry-runs). */
    private readonly assumedVersion?: string,
  ) {}

  /** The node's DRBD; detected again once the module appears. */
  async version(): Promise<DrbdVersion | undefined> {
    const known = await (this.detected ??= detectDrbd(this.assumedVersion));
    if (known && !known.loaded && existsSync(PROC_DRBD)) this.detected = detectDrbd(this.assumedVersion);
    return this.detected;
  }

  host(): Promise<string> {
    return (this.hostname ??= drbdHostname(this.settings));
  }

  configure(req: ConfigureRequest, scope: CallScope): Promise<ConfigureResult> {
    return this.writes.run(scope, () => this.configureNow(req, scope));
  }

  private async configureNow(req: ConfigureRequest, scope: CallScope): Promise<ConfigureResult> {
    const volumeId = checkName('volume', req.volumeId);
    const protocol = checkProtocol(req.protocol);
    const self = req.peers.find((p) => p.nodeId === req.nodeId);
    if (!self) throw invalidArgument(`volume ${volumeId}: node id ${req.nodeId} (this node) is not one of the replicas`);
    for (const p of req.peers) {
      if (p.minor < DRBD_MINOR_BASE)
        throw invalidArgument(
          `volume ${volumeId}: replica ${JSON.stringify(p.node)} needs a DRBD minor of at least ${DRBD_MINOR_BASE}, got ${p.minor}`,
        );
    }
    const host = await this.host();
    if (self.node !== host) {
      throw failedPrecondition(
        `volume ${volumeId}: this node's replica is named ${JSON.stringify(self.node)}, but drbdadm knows this host as ${JSON.stringify(host)}`,
      );
    }
    const drbd = await this.usableVersion(volumeId);
    const volume = await this.volumes.find(volumeId, scope);
    if (!volume) throw notFound(`volume ${volumeId} does not exist on node ${this.node}`);
    const res = checkResourceSpec({
      flavour: drbd.flavour,
      volumeId,
      port: req.port,
      protocol,
      nodes: req.peers.map((p) => {
        const disk = p === self ? volume.devicePath : p.devicePath;
        return { name: p.node, nodeId: p.nodeId, address: p.address, disk, metaDisk: metadataDevicePath(disk), minor: p.minor };
      }),
    });
    const owner = minorsInUse(await readResourceFiles(this.settings.configDir), host).get(self.minor);
    if (owner !== undefined && owner !== res.name)
      throw alreadyExists(`volume ${volumeId}: DRBD minor ${self.minor} is already used by resource ${owner} on node ${this.node}`);

    await this.volumes.ensureDrbdMetadata(volumeId, scope);
    await this.volumes.activateForDrbd(volumeId, scope);
    // The parser runs in the agent's own UTS namespace. Where drbdadm runs in a namespace of its
    // own (tests: several agents on one machine), its host-specific check — this host's address is
    // on one of its interfaces — would fail for 127.0.0.2…, which are routed but not configured.
    const parser = new Drbdadm({ flavour: drbd.flavour });
    const written = await writeResourceFile(this.settings.configDir, res.name, renderResource(res), (tmp) =>
      parser.check(tmp, this.call(scope)),
    ).catch((err: unknown) => {
      if (!(err instanceof DrbdConfigError)) throw err;
      // drbdadm checks that this host's own address is configured on one of its interfaces.
      if (/not found on this host/.test(err.detail)) throw failedPrecondition(`volume ${volumeId}: ${err.detail}`, err);
      // Every other field was checked before rendering: a refusal here is Stratum's bug, not the caller's.
      throw new AgentError('Internal', `volume ${volumeId}: the rendered DRBD resource was refused: ${err.message}`, { cause: err });
    });
    const drbdadm = this.drbdadm(drbd);
    const step = { file: written.path, resource: res.name, dryRun: !drbd.loaded };
    const commands = await bringUp(drbdadm, step, this.call(scope)).catch((err: unknown) => {
      throw this.explainUp(volumeId, volume, err);
    });
    let initialSyncStarted = false;
    if (drbd.loaded && req.initialSyncSource) initialSyncStarted = await this.ensureInitialSync(drbdadm, step, self.minor, scope);
    this.log.info(
      { volume: volumeId, resource: res.name, drbd: drbd.version, changed: written.changed, applied: drbd.loaded, initialSyncStarted },
      'DRBD resource configured',
    );
    return {
      resource: res.name,
      configPath: written.path,
      devicePath: `/dev/drbd${self.minor}`,
      changed: written.changed,
      commands,
      applied: drbd.loaded,
      initialSyncStarted,
    };
  }

  /**
   * The replica holding the volume's data becomes the sync source when DRBD knows of no data
   * anywhere: this disk and every connected peer's are Inconsistent (fresh metadata all round,
   * e.g. a volume going from 1 to 2 replicas, or a new pair). `primary --force` makes it
   * UpToDate and starts a full sync to the peers; it steps down again at once, so whichever node
   * runs the pod can take the Primary role. When any replica is UpToDate, DRBD picks the
   * direction itself from its generation ids and nothing is forced.
   */
  private async ensureInitialSync(
    drbdadm: Drbdadm,
    step: { file: string; resource: string; dryRun: boolean },
    minor: number,
    scope: CallScope,
  ): Promise<boolean> {
    const state = await this.readState(step.resource, minor, await this.peerNames(step.file), scope);
    if (state?.diskState !== 'Inconsistent' || !state.peers.length) return false;
    if (!state.peers.every((p) => p.connectionState === 'Connected' && p.diskState === 'Inconsistent' && !isSyncing(p))) return false;
    await runStep(drbdadm, PROMOTE_AS_SYNC_SOURCE, step, this.call(scope));
    await runStep(drbdadm, DEMOTE, step, this.call(scope));
    this.log.info({ resource: step.resource }, 'initial sync started from this replica');
    return true;
  }

  private explainUp(volumeId: string, volume: Volume__Output, err: unknown): unknown {
    if (!(err instanceof CommandError)) return err;
    if (volume.open && /can not open backing device|device or resource busy|\(114\)|\(104\)/i.test(err.stderr)) {
      return failedPrecondition(
        `volume ${volumeId} on node ${this.node} is in use (${volume.devicePath} is open, e.g. mounted by a pod): DRBD can take it over only once it is unstaged`,
        err,
      );
    }
    return new AgentError('Internal', `volume ${volumeId} on node ${this.node}: bringing the DRBD resource up failed: ${err.message}`, {
      cause: err,
    });
  }

  async status(volumeIdIn: string, scope: CallScope): Promise<ReplicaStatus> {
    const resource = resourceNameFor(checkName('volume', volumeIdIn));
    const file = resourceFilePath(this.settings.configDir, resource);
    const drbd = await this.version();
    const base = {
      resource,
      configured: false,
      up: false,
      role: 'Unknown',
      diskState: 'Unknown',
      syncPercent: 0,
      peers: [],
      devicePath: '',
      sizeBytes: '0',
      drbdVersion: drbd?.version ?? '',
    };
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return base;
    const minor = minorOf(text, await this.host());
    if (!drbd?.loaded || minor === undefined) return { ...base, configured: true };
    const state = await this.readState(resource, minor, await this.peerNames(file), scope);
    if (!state) return { ...base, configured: true };
    const devicePath = `/dev/drbd${minor}`;
    const sectors = await readFile(`/sys/block/drbd${minor}/size`, 'utf8').then(
      (s) => BigInt(s.trim()),
      () => 0n,
    );
    return {
      ...base,
      configured: true,
      up: true,
      role: state.role,
      diskState: state.diskState,
      syncPercent: localSyncPercent(state),
      peers: state.peers.map((p) => ({
        ...p,
        syncPercent: p.syncPercent ?? (p.diskState === 'UpToDate' ? 100 : 0),
        syncing: isSyncing(p),
      })),
      devicePath,
      sizeBytes: String(sectors * 512n),
    };
  }

  /** /dev/drbdN of a replicated volume on this node; undefined when the volume is not replicated here. */
  async deviceFor(volumeId: string): Promise<string | undefined> {
    const text = await readFile(resourceFilePath(this.settings.configDir, resourceNameFor(checkName('volume', volumeId))), 'utf8').catch(
      () => undefined,
    );
    if (text === undefined) return undefined;
    const minor = minorOf(text, await this.host());
    return minor === undefined ? undefined : `/dev/drbd${minor}`;
  }

  promote(volumeId: string, dryRun: boolean, scope: CallScope): Promise<string[]> {
    return this.changeRole(volumeId, PROMOTE, dryRun, scope);
  }

  demote(volumeId: string, dryRun: boolean, scope: CallScope): Promise<string[]> {
    return this.changeRole(volumeId, DEMOTE, dryRun, scope);
  }

  /**
   * After the backing LV grew: lets DRBD grow the device to the smallest backing device of all
   * replicas (so the last replica to grow is the one whose resize shows). A no-op where the
   * resource is down, the module is missing, or the device is as big as the LV. DRBD 8.4 grows
   * a device only while one node is Primary: with none, the resize waits for the next stage
   * (which resizes after promoting).
   */
  async resize(volumeId: string, scope: CallScope): Promise<string[]> {
    const drbd = await this.version();
    const resource = resourceNameFor(checkName('volume', volumeId));
    const file = resourceFilePath(this.settings.configDir, resource);
    if (!drbd?.loaded || !(await exists(file))) return [];
    const [s, volume] = await Promise.all([this.status(volumeId, scope), this.volumes.find(volumeId, scope)]);
    if (!s.up || !volume || BigInt(s.sizeBytes) >= BigInt(volume.sizeBytes)) return [];
    try {
      return await runStep(this.drbdadm(drbd), RESIZE, { file, resource, dryRun: false }, this.call(scope));
    } catch (err) {
      if (err instanceof CommandError && /need one primary/i.test(err.stderr)) {
        this.log.info({ volume: volumeId, resource }, 'DRBD resize deferred: no node is Primary; the next stage resizes');
        return [];
      }
      throw err;
    }
  }

  /** Takes the resource down, removes its file and its metadata LV; false when there was none. */
  remove(volumeIdIn: string, scope: CallScope): Promise<{ removed: boolean; commands: string[] }> {
    return this.writes.run(scope, async () => {
      const volumeId = checkName('volume', volumeIdIn);
      const resource = resourceNameFor(volumeId);
      const file = resourceFilePath(this.settings.configDir, resource);
      if (!(await exists(file))) {
        await this.volumes.removeDrbdMetadata(volumeId, scope);
        return { removed: false, commands: [] };
      }
      const drbd = await this.version();
      const commands = drbd?.loaded ? await runStep(this.drbdadm(drbd), DOWN, { file, resource, dryRun: false }, this.call(scope)) : [];
      await rm(file, { force: true });
      // Metadata describes this resource's peers and sync state; a later resource starts afresh.
      await this.volumes.removeDrbdMetadata(volumeId, scope);
      this.log.info({ volume: volumeId, resource }, 'DRBD resource removed');
      return { removed: true, commands };
    });
  }

  private async changeRole(volumeIdIn: string, subcommand: readonly string[], dryRun: boolean, scope: CallScope): Promise<string[]> {
    const resource = resourceNameFor(checkName('volume', volumeIdIn));
    const file = resourceFilePath(this.settings.configDir, resource);
    if (!(await exists(file)))
      throw notFound(`volume ${volumeIdIn} has no DRBD resource on node ${this.node}: call ConfigureReplication first`);
    const drbd = await this.version();
    if (!dryRun && !drbd?.loaded) throw failedPrecondition(`node ${this.node} has no DRBD kernel module: only a dry run is possible`);
    try {
      return await runStep(this.drbdadm(drbd), subcommand, { file, resource, dryRun }, this.call(scope));
    } catch (err) {
      if (err instanceof CommandError && err.code !== null) {
        throw failedPrecondition(
          `volume ${volumeIdIn} on node ${this.node}: drbdadm ${subcommand.join(' ')} refused: ${err.stderr.trim() || err.message}`,
          err,
        );
      }
      throw err;
    }
  }

  /** The node's DRBD, loading an installed module; a node without DRBD cannot replicate. */
  private async usableVersion(volumeId: string): Promise<DrbdVersion> {
    let drbd = await this.version();
    if (drbd?.source === 'installed') {
      if (await loadDrbdModule()) drbd = await (this.detected = detectDrbd(this.assumedVersion));
    }
    if (!drbd) {
      throw failedPrecondition(
        `volume ${volumeId}: node ${this.node} has no DRBD: install drbd-utils and a DRBD kernel module (the kernel's own drbd module is DRBD 8.4, two replicas; DRBD 9 takes three)`,
      );
    }
    return drbd;
  }

  private drbdadm(drbd: DrbdVersion | undefined): Drbdadm {
    return new Drbdadm({ utsNamespace: this.settings.utsNamespace, flavour: drbd?.flavour });
  }

  /** The host names of the resource's other `on` sections. */
  private async peerNames(file: string): Promise<string[]> {
    const text = await readFile(file, 'utf8');
    const host = await this.host();
    return [...text.matchAll(/^\s*on "([^"]+)" \{/gm)].map((m) => m[1]!).filter((n) => n !== host);
  }

  private async readState(resource: string, minor: number, peers: readonly string[], scope: CallScope): Promise<ResourceState | undefined> {
    const drbd = await this.version();
    if (drbd?.flavour === '8.4') return stateFrom84(parseProcDrbd(await readFile(PROC_DRBD, 'utf8')), minor, peers[0] ?? 'unknown');
    try {
      const { stdout } = await run('drbdsetup', ['status', '--json', resource], {
        timeoutMs: scope.commandTimeout(10_000),
        signal: scope.signal,
      });
      return stateFromJson(stdout, resource);
    } catch (err) {
      if (err instanceof CommandError && /no such resource/i.test(err.stderr)) return undefined;
      throw err;
    }
  }

  private call(scope: CallScope, capMs = 60_000): CallOptions {
    return { timeoutMs: scope.commandTimeout(capMs), signal: scope.signal };
  }
}
