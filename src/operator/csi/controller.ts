// The CSI Controller service of the operator. It owns no state: CreateVolume writes a LocalVolume
// and waits for the volume reconcilers to make it Ready; DeleteVolume and ControllerExpandVolume
// change that object and wait the same way. When the wait outlives the call's deadline the answer
// is ABORTED ("operation pending"), which csi-provisioner and csi-resizer retry with the same
// name; the retry finds the same object, so nothing is ever made twice.
//
// Every operator replica serves this service, leader or not: the provisioner and resizer in the
// same pod elect their own leaders, independently of the operator's Lease, and a sidecar that
// leads next to a standby operator must still be answered. That is safe because these calls only
// write API objects (the API server orders them); the agents are driven by the leader's
// reconcilers alone.
import { status as Status } from '@grpc/grpc-js';
import type { Logger } from '../../common/log.ts';
import { FINALIZER, TOPOLOGY_KEY } from '../../common/constants.ts';
import { formatBytes, parseQuantity } from '../../api/quantity.ts';
import type { LocalVolume, StoragePool } from '../../api/index.ts';
import type { ControllerHandlers } from '../../csi/api/generated/csi/v1/Controller.ts';
import type { Volume } from '../../csi/api/generated/csi/v1/Volume.ts';
import type { GetCapacityResponse } from '../../csi/api/generated/csi/v1/GetCapacityResponse.ts';
import { capabilityProblem } from '../../csi/access.ts';
import { CsiError, csiError, csiNotFound, csiStatus, invalid } from '../../csi/errors.ts';
import { unaryHandler, type Handler } from '../../agent-api/handler.ts';
import type { CallScope } from '../../agent-api/call-scope.ts';
import { FS_TYPE_CONTEXT_KEY } from '../../csi/volume-context.ts';
import { KubeApiError, KubeTransportError, isConflict, isNotFound, resourcePath, type KubeClient } from '../runtime/kube/client.ts';
import { findCondition } from '../runtime/status.ts';
import { LOCAL_VOLUMES, STORAGE_POOLS } from '../resources.ts';
import {
  CSI_NAME_ANNOTATION,
  decodeToken,
  encodeToken,
  fitsRange,
  isVolumeName,
  parseCreateVolume,
  type CsiVolumeRequest,
} from './volume-request.ts';
import { snapshotHandlers, withContentSource } from './snapshots.ts';

export interface CsiControllerOptions {
  readonly client: KubeClient;
  readonly log: Logger;
  /** Longest wait inside one call when the client set a longer deadline or none. @default 60_000 */
  readonly maxWaitMs?: number;
  /** Answer this long before the client's deadline, so ABORTED arrives instead of a cut call. @default 1_000 */
  readonly deadlineMarginMs?: number;
}

/** Ready reasons that no wait will fix: the request itself cannot be served. */
const REFUSALS: Record<string, Status> = {
  InsufficientCapacity: Status.RESOURCE_EXHAUSTED,
  NotEnoughNodes: Status.RESOURCE_EXHAUSTED,
  ReplicationUnsupported: Status.RESOURCE_EXHAUSTED,
  PoolNotFound: Status.INVALID_ARGUMENT,
};

/** How long a create looks again at a pool short of space before refusing (its next report may free it). */
const CAPACITY_SETTLE_MS = 5_000;
const isReady = (lv: LocalVolume) => lv.status?.phase === 'Ready' && findCondition(lv.status.conditions, 'Ready')?.status === 'True';
const capacityOf = (lv: LocalVolume) => (lv.status?.capacity ? parseQuantity(lv.status.capacity) : 0n);

function whyNot(lv: LocalVolume): string {
  const c = findCondition(lv.status?.conditions, 'Ready');
  return `phase ${lv.status?.phase ?? 'Pending'}${c ? `, ${c.reason}: ${c.message}` : ''}`;
}

/** Every node that holds a replica, the primary's first: the PV admits a pod on any of them. */
function csiVolume(lv: LocalVolume): Volume {
  const primary = lv.status?.primaryNode;
  const nodes = [...new Set([...(primary ? [primary] : []), ...(lv.status?.replicas ?? []).map((r) => r.node)])];
  return {
    volumeId: lv.metadata.name!,
    capacityBytes: String(capacityOf(lv)),
    volumeContext: lv.spec.volumeMode === 'Block' ? {} : { [FS_TYPE_CONTEXT_KEY]: lv.spec.fsType },
    accessibleTopology: nodes.map((node) => ({ segments: { [TOPOLOGY_KEY]: node } })),
  };
}

/**
 * The API server overloaded or unreachable is UNAVAILABLE (the sidecars retry it as transient);
 * its refusals of our own writes stay INTERNAL, with the API's message.
 */
export function apiFailure(err: unknown): unknown {
  if (err instanceof CsiError) return err;
  if (err instanceof KubeApiError)
    return err.statusCode === 429 || err.statusCode >= 500 ? csiError(Status.UNAVAILABLE, `API server: ${err.message}`) : err;
  if (err instanceof KubeTransportError) return csiError(Status.UNAVAILABLE, `API server unreachable: ${err.message}`);
  return err;
}

export function controllerHandlers(opts: CsiControllerOptions): Partial<ControllerHandlers> {
  const { client, log } = opts;
  // CSI's statuses, with the API server's own failures told apart first.
  const toStatus = (err: unknown, where: string) => csiStatus(apiFailure(err), where);
  const csiUnary = <Req, Res>(method: string, fn: Handler<Req, Res>) =>
    unaryHandler<Req, Res>({ method, where: method, log, toStatus }, fn);
  const maxWaitMs = opts.maxWaitMs ?? 60_000;
  const margin = opts.deadlineMarginMs ?? 1_000;

  const get = async <T>(rt: typeof LOCAL_VOLUMES, name: string): Promise<T | undefined> => {
    try {
      return await client.request<T>('GET', resourcePath(rt, undefined, name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const getVolume = (id: string) => (isVolumeName(id) ? get<LocalVolume>(LOCAL_VOLUMES, id) : Promise.resolve(undefined));

  /** Polls `check` with backoff until it returns a value or the call's wait budget (at most `budgetMs`) is spent. */
  const waitFor = async <T>(scope: CallScope, check: () => Promise<T | undefined>, budgetMs = maxWaitMs): Promise<T | undefined> => {
    const until = Date.now() + Math.min(budgetMs, Math.max(0, scope.remainingMs() - margin));
    for (let delay = 100; ; delay = Math.min(delay * 2, 1_000)) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() + delay > until || scope.signal.aborted) return undefined;
      await new Promise((r) => setTimeout(r, delay));
    }
  };

  /**
   * Refuses a request the pool cannot serve before anything is written. A pool short of space is
   * looked at again for a few seconds: its status shows space freed by a deletion only with the
   * next report, which the deletion asks for.
   */
  const checkPlacement = async (want: CsiVolumeRequest, scope: CallScope): Promise<void> => {
    let short: Error | undefined;
    const room = await waitFor(scope, async () => ((short = await shortOfSpace(want)) ? undefined : true), CAPACITY_SETTLE_MS);
    if (!room) throw short;
  };

  /** The refusal when the pool has too little room on the node now; throws when it cannot serve at all. */
  const shortOfSpace = async (want: CsiVolumeRequest): Promise<Error | undefined> => {
    const pool = await get<StoragePool>(STORAGE_POOLS, want.spec.pool);
    if (!pool) throw invalid(`parameter pool: StoragePool ${want.spec.pool} does not exist`);
    const node = want.spec.accessibility?.nodes[0];
    if (!node) return;
    const onNode = pool.status?.nodes?.find((n) => n.node === node);
    if (!onNode?.ready) {
      throw csiError(
        Status.RESOURCE_EXHAUSTED,
        `StoragePool ${want.spec.pool} is not ready on node ${node}${onNode?.message ? ` (${onNode.message})` : ''}: the volume cannot be provisioned in the requested topology`,
      );
    }
    const allocatable = onNode.allocatable ? parseQuantity(onNode.allocatable) : onNode.free ? parseQuantity(onNode.free) : 0n;
    if (allocatable >= want.sizeBytes) return undefined;
    return csiError(
      Status.RESOURCE_EXHAUSTED,
      `StoragePool ${want.spec.pool} on node ${node} can hold at most ${formatBytes(allocatable)} now; ${formatBytes(want.sizeBytes)} asked for`,
    );
  };

  /** Whether an existing LocalVolume is what this request asks for. */
  const compatible = (lv: LocalVolume, want: CsiVolumeRequest, range: Parameters<typeof fitsRange>[1]): string | undefined => {
    if (lv.metadata.annotations?.[CSI_NAME_ANNOTATION] !== want.csiName)
      return `LocalVolume ${want.name} exists and was not made for CSI volume ${JSON.stringify(want.csiName)}`;
    const size = parseQuantity(lv.spec.size);
    if (!fitsRange(size, range)) return `volume ${want.csiName} exists with ${lv.spec.size}, outside the requested capacity range`;
    for (const field of ['pool', 'volumeMode', 'fsType', 'replicas', 'source'] as const) {
      if (JSON.stringify(lv.spec[field]) !== JSON.stringify(want.spec[field]))
        return `volume ${want.csiName} exists with ${field} ${JSON.stringify(lv.spec[field])}, not ${JSON.stringify(want.spec[field])}`;
    }
    return undefined;
  };

  return {
    ...snapshotHandlers({ client, log, get, waitFor, csiUnary }),

    ControllerGetCapabilities: csiUnary('ControllerGetCapabilities', async () => ({
      capabilities: (
        [
          'CREATE_DELETE_VOLUME',
          'EXPAND_VOLUME',
          'GET_CAPACITY',
          'LIST_VOLUMES',
          'CREATE_DELETE_SNAPSHOT',
          'LIST_SNAPSHOTS',
          'CLONE_VOLUME',
        ] as const
      ).map((type) => ({ rpc: { type } })),
    })),

    CreateVolume: csiUnary('CreateVolume', async (req, scope) => {
      let want = parseCreateVolume(req);
      if (req.volumeContentSource) {
        const requisite = (req.accessibilityRequirements?.requisite ?? []).map((t) => t.segments[TOPOLOGY_KEY] ?? '');
        want = await withContentSource(want, req.volumeContentSource, requisite, get);
      }
      let lv = await get<LocalVolume>(LOCAL_VOLUMES, want.name);
      if (lv) {
        const problem = compatible(lv, want, req.capacityRange);
        if (problem) throw csiError(Status.ALREADY_EXISTS, problem);
        if (lv.metadata.deletionTimestamp)
          throw csiError(Status.ABORTED, `volume ${want.csiName} is still being deleted from an earlier attempt: retry`);
      } else {
        await checkPlacement(want, scope);
        const body: LocalVolume = {
          apiVersion: 'storage.stratum.dev/v1alpha1',
          kind: 'LocalVolume',
          // With the operator's finalizer from the start: one write less per volume.
          metadata: { name: want.name, annotations: { [CSI_NAME_ANNOTATION]: want.csiName }, finalizers: [FINALIZER] },
          spec: want.spec,
        };
        try {
          lv = await client.request<LocalVolume>('POST', resourcePath(LOCAL_VOLUMES), { body });
          log.info(
            { volume: want.name, csiName: want.csiName, pool: want.spec.pool, size: want.spec.size, nodes: want.spec.accessibility?.nodes },
            'LocalVolume created',
          );
        } catch (err) {
          if (isConflict(err)) throw csiError(Status.ABORTED, `volume ${want.csiName} is being created by a concurrent call: retry`);
          throw err;
        }
      }
      const ready = await waitFor(scope, async () => {
        const cur = await get<LocalVolume>(LOCAL_VOLUMES, want.name);
        if (!cur) throw csiError(Status.ABORTED, `LocalVolume ${want.name} disappeared while being created: retry`);
        lv = cur;
        const reason = findCondition(cur.status?.conditions, 'Ready')?.reason ?? '';
        if (REFUSALS[reason] !== undefined) return { refused: reason, lv: cur };
        return isReady(cur) ? { refused: '', lv: cur } : undefined;
      });
      if (!ready)
        throw csiError(Status.ABORTED, `volume ${want.csiName} (LocalVolume ${want.name}) is not ready yet (${whyNot(lv)}): retry`);
      if (ready.refused) {
        // Nothing usable was made: remove the object so a retry (maybe on another node) starts clean.
        await client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, want.name)).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
        throw csiError(REFUSALS[ready.refused]!, `volume ${want.csiName} cannot be provisioned (${whyNot(ready.lv)})`);
      }
      return { volume: { ...csiVolume(ready.lv), ...(req.volumeContentSource ? { contentSource: req.volumeContentSource } : {}) } };
    }),

    DeleteVolume: csiUnary('DeleteVolume', async (req, scope) => {
      if (!req.volumeId) throw invalid('volume_id is required');
      const lv = await getVolume(req.volumeId);
      if (!lv) return {};
      if (!lv.metadata.deletionTimestamp) {
        await client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, req.volumeId)).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
        log.info({ volume: req.volumeId }, 'LocalVolume deleted');
      }
      const gone = await waitFor(scope, async () => ((await getVolume(req.volumeId)) ? undefined : true));
      if (!gone) {
        const cur = await getVolume(req.volumeId);
        if (cur) throw csiError(Status.ABORTED, `volume ${req.volumeId} is being deleted (${whyNot(cur)}): retry`);
      }
      return {};
    }),

    ControllerExpandVolume: csiUnary('ControllerExpandVolume', async (req, scope) => {
      if (!req.volumeId) throw invalid('volume_id is required');
      if (!req.capacityRange) throw invalid('capacity_range is required');
      const required = BigInt(req.capacityRange.requiredBytes || '0');
      const limit = BigInt(req.capacityRange.limitBytes || '0');
      if (required <= 0n) throw new CsiError(Status.OUT_OF_RANGE, 'capacity_range.required_bytes must be greater than 0');
      if (limit && required > limit) throw new CsiError(Status.OUT_OF_RANGE, `required_bytes ${required} exceeds limit_bytes ${limit}`);
      if (req.volumeCapability) {
        const problem = capabilityProblem(req.volumeCapability);
        if (problem) throw invalid(problem);
      }
      const lv = await getVolume(req.volumeId);
      if (!lv) throw csiNotFound(`volume ${req.volumeId} does not exist`);
      if (parseQuantity(lv.spec.size) < required) {
        await client.request('PATCH', resourcePath(LOCAL_VOLUMES, undefined, req.volumeId), {
          patchType: 'merge',
          body: { spec: { size: formatBytes(required) } },
        });
        log.info({ volume: req.volumeId, from: lv.spec.size, to: formatBytes(required) }, 'LocalVolume size raised');
      }
      const grown = await waitFor(scope, async () => {
        const cur = await getVolume(req.volumeId);
        if (!cur) throw csiNotFound(`volume ${req.volumeId} was deleted while expanding`);
        return capacityOf(cur) >= required ? cur : undefined;
      });
      if (!grown) {
        const cur = await getVolume(req.volumeId);
        throw csiError(
          Status.ABORTED,
          `volume ${req.volumeId} is growing to ${formatBytes(required)} (${cur ? whyNot(cur) : 'gone'}): retry`,
        );
      }
      return { capacityBytes: String(capacityOf(grown)), nodeExpansionRequired: grown.spec.volumeMode !== 'Block' };
    }),

    ValidateVolumeCapabilities: csiUnary('ValidateVolumeCapabilities', async (req) => {
      if (!req.volumeId) throw invalid('volume_id is required');
      if (!req.volumeCapabilities.length) throw invalid('volume_capabilities are required');
      const lv = await getVolume(req.volumeId);
      if (!lv) throw csiNotFound(`volume ${req.volumeId} does not exist`);
      const problems = req.volumeCapabilities.map(capabilityProblem).filter((p): p is string => !!p);
      if (problems.length) return { message: problems.join('; ') };
      return { confirmed: { volumeContext: req.volumeContext, volumeCapabilities: req.volumeCapabilities, parameters: req.parameters } };
    }),

    ListVolumes: csiUnary('ListVolumes', async (req) => {
      const after = decodeToken(req.startingToken);
      if (req.maxEntries < 0) throw invalid('max_entries must not be negative');
      const all = (await client.request<{ items: LocalVolume[] }>('GET', resourcePath(LOCAL_VOLUMES))).items
        .filter((lv) => !lv.metadata.deletionTimestamp)
        .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
      const rest = after ? all.filter((lv) => lv.metadata.name! > after) : all;
      const page = req.maxEntries > 0 ? rest.slice(0, req.maxEntries) : rest;
      const more = page.length < rest.length;
      return { entries: page.map((lv) => ({ volume: csiVolume(lv) })), nextToken: more ? encodeToken(page.at(-1)!.metadata.name!) : '' };
    }),

    GetCapacity: csiUnary('GetCapacity', async (req): Promise<GetCapacityResponse> => {
      if (req.volumeCapabilities.some((c) => capabilityProblem(c))) return { availableCapacity: '0' };
      const node = req.accessibleTopology?.segments[TOPOLOGY_KEY];
      const poolName = req.parameters.pool;
      const pools = poolName
        ? [await get<StoragePool>(STORAGE_POOLS, poolName)].filter((p): p is StoragePool => !!p)
        : (await client.request<{ items: StoragePool[] }>('GET', resourcePath(STORAGE_POOLS))).items;
      let available = 0n;
      let largest = 0n;
      for (const pool of pools) {
        for (const n of pool.status?.nodes ?? []) {
          if (!n.ready || (node && n.node !== node)) continue;
          const free = n.free ? parseQuantity(n.free) : 0n;
          const alloc = n.allocatable ? parseQuantity(n.allocatable) : free;
          available += free;
          if (alloc > largest) largest = alloc;
        }
      }
      return { availableCapacity: String(available), maximumVolumeSize: { value: String(largest) } };
    }),
  };
}
