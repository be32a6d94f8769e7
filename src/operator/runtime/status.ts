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
 * subresource unless it equals what `obj` already has. The write is a merge patch of the fields
 * that differ, without a resourceVersion: each object's status has one writer (the leading
 * operator's reconciler of that kind) and every change requeues it, so a write from a cache one
 * event behind is corrected by the next reconcile instead of failing with a conflict and costing
 * another round. Returns whether a write happened.
 */
export async function updateStatusIfChanged<T extends WithStatus>(
  client: KubeClient,
  rt: ResourceType,
  obj: T,
  status: StatusWithConditions,
): Promise<boolean> {
  const desired = stripUndefined({ ...status, observedGeneration: obj.metadata.generation });
  const patch = mergePatch(stripUndefined(obj.status ?? {}), desired);
  if (patch === undefined) return false;
  const { name, namespace } = obj.metadata;
  await client.request('PATCH', resourcePath(rt, namespace, name, 'status'), { patchType: 'merge', body: { status: patch } });
  return true;
}

/** Sets one condition (Ready, Orphans, …) and any other status `fields`, writing only a change. */
export function updateCondition<T extends WithStatus>(
  client: KubeClient,
  rt: ResourceType,
  obj: T,
  condition: ConditionInput,
  fields: Record<string, unknown> = {},
): Promise<boolean> {
  const conditions = setCondition(obj.status?.conditions, condition);
  return updateStatusIfChanged(client, rt, obj, { ...obj.status, ...fields, conditions });
}

/** The JSON merge patch (RFC 7386) that turns `from` into `to`; undefined when they are equal. */
export function mergePatch(from: unknown, to: unknown): unknown {
  if (isDeepStrictEqual(from, to)) return undefined;
  if (!isPlainObject(from) || !isPlainObject(to)) return to;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    const d = mergePatch(from[key], value);
    if (d !== undefined) patch[key] = d;
  }
  return patch;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `obj` with `finalizer` in its finalizers: `obj` itself when it has it, else the object as patched. */
export async function withFinalizer<T extends KubeObject>(client: KubeClient, rt: ResourceType, obj: T, finalizer: string): Promise<T> {
  const current = obj.metadata.finalizers ?? [];
  if (current.includes(finalizer)) return obj;
  return (await patchFinalizers(client, rt, obj, [...current, finalizer])) as T;
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
function patchFinalizers(client: KubeClient, rt: ResourceType, obj: KubeObject, finalizers: string[]): Promise<KubeObject> {
  const { name, namespace, resourceVersion } = obj.metadata;
  return client.request<KubeObject>('PATCH', resourcePath(rt, namespace, name), {
    patchType: 'merge',
    body: { metadata: { finalizers, resourceVersion } },
  });
}

function stripUndefined(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
