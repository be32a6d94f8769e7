// Status and finalizers, written only when something changed. Conditions keep their
// lastTransitionTime unless their status flips; status goes through the /status subresource with
// observedGeneration; finalizers are patched with a resourceVersion precondition.
import { isDeepStrictEqual } from 'node:util';
import { isNotFound, resourcePath, type KubeClient, type KubeObject, type ResourceType } from './kube/client.ts';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  /** CamelCase cause a program can switch on. */
  reason: string;
  /** What a human can act on: the node, the command, its stderr. */
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

export interface StatusWithConditions {
  observedGeneration?: number;
  conditions?: Condition[];
  [field: string]: unknown;
}

/** `conditions` with `c` set; lastTransitionTime changes only when the status does. */
export function setCondition(conditions: readonly Condition[] | undefined, c: ConditionInput, now: Date = new Date()): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((x) => x.type === c.type);
  const prev = i >= 0 ? list[i] : undefined;
  const lastTransitionTime = prev && prev.status === c.status ? prev.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const next: Condition = { ...c, lastTransitionTime };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

/** The condition of `type`, from any object's status (ours or a Kubernetes one). */
export function findCondition<C extends { readonly type: string }>(conditions: readonly C[] | undefined, type: string): C | undefined {
  return conditions?.find((c) => c.type === type);
}

/** The Ready condition: True, or False with a reason and a message saying what is wrong. */
export function readyCondition(ready: boolean, reason: string, message: string, observedGeneration?: number): ConditionInput {
  return {
    type: 'Ready',
    status: ready ? 'True' : 'False',
    reason,
    message,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
  };
}

interface WithStatus extends KubeObject {
  status?: StatusWithConditions;
}

/**
 * Writes `status` (with observedGeneration = metadata.generation) through the status
 * subresource unless it equals what `obj` already has. A conflict (someone wrote meanwhile)
 * throws, so the reconcile retries on fresh data. Returns whether a write happened.
 */
export async function updateStatusIfChanged<T extends WithStatus>(
  client: KubeClient,
  rt: ResourceType,
  obj: T,
  status: StatusWithConditions,
): Promise<boolean> {
  const desired = { ...status, observedGeneration: obj.metadata.generation };
  if (isDeepStrictEqual(stripUndefined(obj.status ?? {}), stripUndefined(desired))) return false;
  const { name, namespace } = obj.metadata;
  await client.request('PUT', resourcePath(rt, namespace, name, 'status'), { body: { ...obj, status: desired } });
  return true;
}

/** Adds `finalizer` if missing; returns whether a patch was sent. */
export async function addFinalizer(client: KubeClient, rt: ResourceType, obj: KubeObject, finalizer: string): Promise<boolean> {
  const current = obj.metadata.finalizers ?? [];
  if (current.includes(finalizer)) return false;
  await patchFinalizers(client, rt, obj, [...current, finalizer]);
  return true;
}

/** Removes `finalizer` if present; an object already gone counts as done. Returns whether a patch was sent. */
export async function removeFinalizer(client: KubeClient, rt: ResourceType, obj: KubeObject, finalizer: string): Promise<boolean> {
  const current = obj.metadata.finalizers ?? [];
  if (!current.includes(finalizer)) return false;
  try {
    await patchFinalizers(
      client,
      rt,
      obj,
      current.filter((f) => f !== finalizer),
    );
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  return true;
}

// A merge patch replaces the whole list; the resourceVersion makes it fail (409) instead of
// dropping a finalizer someone else added since `obj` was read.
function patchFinalizers(client: KubeClient, rt: ResourceType, obj: KubeObject, finalizers: string[]): Promise<unknown> {
  const { name, namespace, resourceVersion } = obj.metadata;
  return client.request('PATCH', resourcePath(rt, namespace, name), {
    patchType: 'merge',
    body: { metadata: { finalizers, resourceVersion } },
  });
}

function stripUndefined(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
