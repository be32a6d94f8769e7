// CSIStorageCapacity objects for a pool: one per (node, StorageClass of the pool), so the stock
// kube-scheduler places WaitForFirstConsumer claims on nodes with room. Pure: desired objects and
// the create/update/delete plan against what exists.
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { API_GROUP, CSI_DRIVER_NAME, MANAGED_BY_OPERATOR, TOPOLOGY_KEY } from '../../common/constants.ts';
import type { KubeObject } from '../runtime/kube/client.ts';

export const CAPACITY_POOL_LABEL = `${API_GROUP}/pool`;
export const CAPACITY_NODE_LABEL = `${API_GROUP}/node`;

export interface StorageClass extends KubeObject {
  provisioner?: string;
  parameters?: Record<string, string>;
}

export interface CSIStorageCapacity extends KubeObject {
  storageClassName: string;
  nodeTopology?: { matchLabels?: Record<string, string> };
  capacity?: string;
  maximumVolumeSize?: string;
}

export interface NodeCapacity {
  readonly node: string;
  /** Free space, as a quantity. */
  readonly free: string;
  /** Largest volume that fits now, as a quantity. */
  readonly allocatable: string;
}

/** StorageClasses of Stratum that draw from `pool`. */
export function classesOfPool(classes: readonly StorageClass[], pool: string): StorageClass[] {
  return classes.filter((sc) => sc.provisioner === CSI_DRIVER_NAME && sc.parameters?.pool === pool);
}

export function capacityName(pool: string, storageClass: string, node: string): string {
  const hash = createHash('sha256').update(`${storageClass}\0${node}`).digest('hex').slice(0, 12);
  return `${pool.slice(0, 40)}-${hash}`;
}

export function desiredCapacities(
  namespace: string,
  pool: string,
  classes: readonly StorageClass[],
  nodes: readonly NodeCapacity[],
): CSIStorageCapacity[] {
  return classesOfPool(classes, pool).flatMap((sc) =>
    nodes.map((n) => ({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSIStorageCapacity',
      metadata: {
        name: capacityName(pool, sc.metadata.name!, n.node),
        namespace,
        labels: { ...MANAGED_BY_OPERATOR, [CAPACITY_POOL_LABEL]: pool, [CAPACITY_NODE_LABEL]: n.node },
      },
      storageClassName: sc.metadata.name!,
      nodeTopology: { matchLabels: { [TOPOLOGY_KEY]: n.node } },
      capacity: n.free,
      maximumVolumeSize: n.allocatable,
    })),
  );
}

export interface CapacityPlan {
  readonly create: CSIStorageCapacity[];
  /** Desired content with the existing object's resourceVersion. */
  readonly update: CSIStorageCapacity[];
  readonly remove: CSIStorageCapacity[];
}

const content = (c: CSIStorageCapacity) => [c.storageClassName, c.nodeTopology, c.capacity, c.maximumVolumeSize, c.metadata.labels];

export function planCapacities(desired: readonly CSIStorageCapacity[], existing: readonly CSIStorageCapacity[]): CapacityPlan {
  const have = new Map(existing.map((c) => [c.metadata.name!, c]));
  const want = new Set(desired.map((c) => c.metadata.name!));
  const create: CSIStorageCapacity[] = [];
  const update: CSIStorageCapacity[] = [];
  for (const d of desired) {
    const e = have.get(d.metadata.name!);
    if (!e) create.push(d);
    else if (!isDeepStrictEqual(content(d), content(e)))
      update.push({ ...d, metadata: { ...d.metadata, resourceVersion: e.metadata.resourceVersion } });
  }
  return { create, update, remove: existing.filter((e) => !want.has(e.metadata.name!)) };
}
