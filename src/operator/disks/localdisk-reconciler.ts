// Keeps LocalDisk objects true to what the agents report: a new disk gets an object, a gone disk
// becomes Missing (not deleted: the object is the record that the disk existed and may hold
// data), state and health changes become a condition and an Event. The disks of a Node object
// that was deleted go with it: they describe hardware no cluster member holds any more.
import { isDeepStrictEqual } from 'node:util';
import type { LocalDisk, LocalDiskStatus } from '../../api/index.ts';
import { isConflict, isNotFound, resourcePath, type KubeObject } from '../runtime/kube/client.ts';
import type { Informer } from '../runtime/kube/informer.ts';
import type { ReconcileContext, ReconcileResult } from '../runtime/controller.ts';
import { LOCAL_DISKS } from '../resources.ts';
import { readyCondition, setCondition, updateStatusIfChanged, type Condition, type StatusWithConditions } from '../runtime/status.ts';
import type { ClusterDiskInventory, Observation } from './inventory.ts';
import { diskStatus, newLocalDisk } from './localdisk-mapping.ts';
import type { ClusterAccess } from '../cluster-access.ts';

export interface LocalDiskReconcilerDeps extends ClusterAccess {
  readonly disks: Informer<LocalDisk>;
  /** Nodes: a disk whose Node object is gone is deleted, never created. */
  readonly nodes: Pick<Informer<KubeObject>, 'get'>;
  readonly inventory: ClusterDiskInventory;
  readonly now?: () => Date;
}

type DiskState = NonNullable<LocalDiskStatus['state']>;
interface Readiness {
  readonly ready: boolean;
  readonly reason: string;
  readonly message: string;
}

export function localDiskReconciler(deps: LocalDiskReconcilerDeps) {
  const now = deps.now ?? (() => new Date());

  return async function reconcile(name: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const seen = deps.inventory.observe(name);
    let disk = deps.disks.get(name);
    const node = disk?.spec.nodeName ?? seen?.node;
    if (node && !deps.nodes.get(node)) {
      if (disk) await removeOfDeletedNode(disk, ctx);
      return;
    }
    if (!disk) {
      // Only a disk an agent reports now gets a new object; a deleted object of a gone disk stays deleted.
      if (!seen?.disk) return;
      disk = await create(seen, ctx);
      if (!disk) return;
    }
    if (!seen) return;
    const status = desiredStatus(disk, seen);
    const before = disk.status?.state;
    const written = await updateStatusIfChanged(deps.client, LOCAL_DISKS, disk, status as StatusWithConditions);
    if (written && before !== status.state) await announce(disk, before, status);
  };

  async function removeOfDeletedNode(disk: LocalDisk, ctx: ReconcileContext): Promise<void> {
    await deps.client.request('DELETE', resourcePath(LOCAL_DISKS, undefined, disk.metadata.name)).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    ctx.log.info({ disk: disk.metadata.name, node: disk.spec.nodeName }, 'disk of a deleted node removed');
  }

  async function create(seen: Observation, ctx: ReconcileContext): Promise<LocalDisk | undefined> {
    const obj = newLocalDisk(seen.node, seen.disk!);
    try {
      const created = await deps.client.request<LocalDisk>('POST', resourcePath(LOCAL_DISKS), { body: obj });
      ctx.log.info({ disk: obj.metadata.name, node: seen.node, device: seen.disk!.devicePath }, 'disk discovered');
      return created;
    } catch (err) {
      // Created meanwhile (a previous reconcile whose watch event is still on its way): the event requeues us.
      if (isConflict(err)) return undefined;
      throw err;
    }
  }

  function desiredStatus(disk: LocalDisk, seen: Observation): LocalDiskStatus {
    const prev = disk.status ?? {};
    let next: LocalDiskStatus;
    let readiness: Readiness;
    if (seen.disk) {
      next = diskStatus(seen.disk, disk.spec, now());
      // lastSeen moves only when the report changed, so a quiet disk causes no writes.
      if (
        prev.lastSeen &&
        isDeepStrictEqual(
          { ...next, lastSeen: undefined, conditions: undefined, observedGeneration: undefined },
          { ...prev, lastSeen: undefined, conditions: undefined, observedGeneration: undefined },
        )
      ) {
        next.lastSeen = prev.lastSeen;
      }
      readiness = readinessOf(next.state!, next, seen.node);
    } else if (seen.authoritative) {
      next = { ...prev, state: 'Missing' };
      readiness = {
        ready: false,
        reason: 'Missing',
        message: `the agent on node ${seen.node} no longer sees this disk (last at ${prev.devicePath ?? 'an unknown path'}, ${prev.lastSeen ?? 'time unknown'}). If it was removed for good and held nothing, delete this LocalDisk.`,
      };
    } else {
      next = { ...prev };
      const agent = deps.registry.state(seen.node);
      const cond = setCondition(
        prev.conditions as Condition[] | undefined,
        {
          type: 'Ready',
          status: 'Unknown',
          reason: 'AgentUnavailable',
          message: `cannot reach the agent on node ${seen.node}: ${agent.message || 'not connected'}; showing the last known state`,
          observedGeneration: disk.metadata.generation,
        },
        now(),
      );
      return { ...next, conditions: cond } as LocalDiskStatus;
    }
    const ready = readyCondition(readiness.ready, readiness.reason, readiness.message, disk.metadata.generation);
    const conditions = setCondition(prev.conditions as Condition[] | undefined, ready, now());
    return { ...next, conditions } as LocalDiskStatus;
  }

  function readinessOf(state: DiskState, status: LocalDiskStatus, node: string): Readiness {
    switch (state) {
      case 'Available':
        return { ready: true, reason: 'Available', message: `free for a pool on node ${node}` };
      case 'InUse':
        return {
          ready: true,
          reason: 'InUse',
          message: status.pool
            ? `in pool ${status.pool}`
            : `in use by ${status.inUseBy ?? 'something outside Stratum'}; Stratum will not touch it`,
        };
      case 'Unhealthy':
        return { ready: false, reason: 'Unhealthy', message: `the agent on node ${node} reports the disk unhealthy` };
      case 'Missing':
        return { ready: false, reason: 'Missing', message: `the agent on node ${node} reports the disk missing` };
    }
  }

  async function announce(disk: LocalDisk, before: DiskState | undefined, status: LocalDiskStatus): Promise<void> {
    const where = `on node ${disk.spec.nodeName}`;
    const msg = {
      Available: before
        ? `disk is back ${where} at ${status.devicePath}`
        : `disk found ${where} at ${status.devicePath} (${status.capacity}, ${status.mediaClass ?? 'unknown media'})`,
      InUse: before
        ? `disk ${where} is now in use (${status.inUseBy ?? status.pool})`
        : `disk found ${where} at ${status.devicePath}, in use by ${status.inUseBy ?? status.pool}`,
      Unhealthy: `disk ${where} reported unhealthy`,
      Missing: `disk no longer seen ${where}`,
    }[status.state!];
    const warning = status.state === 'Missing' || status.state === 'Unhealthy';
    await deps.events.record(disk, { type: warning ? 'Warning' : 'Normal', reason: `Disk${status.state}`, message: msg });
  }
}
