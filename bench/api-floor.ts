// What the control plane alone costs per volume, measured in the same run as Stratum: the API
// requests a single-replica volume makes on the happy path — the user's create of the LocalVolume,
// the VolumeReplica's create, the replica's status, the volume's status — sent by one client with
// the operator's two watches (LocalVolumes, VolumeReplicas) and the benchmark's own open, and no
// Stratum process running. The objects carry what the operator writes (a finalizer, a label, an
// owner, a Ready condition), so their size matches. Its CPU per volume is the floor under
// Stratum's: no operator or agent can make a volume cheaper than the API server takes to store it.
import type { Subscription } from 'rxjs';
import { API_GROUP_VERSION, FINALIZER, VOLUME_LABEL } from '../src/common/constants.ts';
import { createLogger } from '../src/common/log.ts';
import { resourcePath, type KubeClient, type KubeObject, type ResourceType } from '../src/operator/runtime/kube/client.ts';
import { watchResource } from '../src/operator/runtime/kube/watch.ts';
import { LOCAL_VOLUMES, VOLUME_REPLICAS } from '../src/operator/resources.ts';
import { inBatches, type VolumeWatch } from './support.ts';

/** Opens a watch of `rt` as an informer would, resolved once it has listed what exists. */
async function watchAll(client: KubeClient, rt: ResourceType): Promise<Subscription> {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    [resolve, reject] = [res, rej];
  });
  const sub = watchResource<KubeObject>(client, rt, { log: createLogger('bench', 'silent') }).subscribe({
    next: (ev) => ev.type === 'SYNCED' && resolve(),
    error: reject,
  });
  await promise.catch((err: unknown) => {
    sub.unsubscribe();
    throw err;
  });
  return sub;
}

function ready(now: string, message: string) {
  return { type: 'Ready', status: 'True', reason: 'Ready', message, observedGeneration: 1, lastTransitionTime: now };
}

/**
 * Makes each named volume as the operator would (the four requests above, one volume's in order,
 * CONCURRENCY volumes at a time), waits until `watch` has seen every one Ready, and returns how
 * long that took. `node` and `pool` fill in the fields; nothing acts on these objects.
 */
export async function apiFloor(
  client: KubeClient,
  watch: VolumeWatch,
  names: readonly string[],
  pool: string,
  node: string,
): Promise<number> {
  const watches = await Promise.all([watchAll(client, LOCAL_VOLUMES), watchAll(client, VOLUME_REPLICAS)]);
  try {
    const started = performance.now();
    const seen = watch.until(names, (v) => v?.status?.phase === 'Ready', 10 * 60_000, new Promise<never>(() => undefined));
    const make = async (name: string) => {
      const volume = await client.request<KubeObject>('POST', resourcePath(LOCAL_VOLUMES), {
        body: { apiVersion: API_GROUP_VERSION, kind: 'LocalVolume', metadata: { name }, spec: { pool, size: '1Gi' } },
      });
      const replica = `${name}-floor`;
      const device = `/dev/stratum-${pool}/${name}`;
      await client.request('POST', resourcePath(VOLUME_REPLICAS), {
        body: {
          apiVersion: API_GROUP_VERSION,
          kind: 'VolumeReplica',
          metadata: {
            name: replica,
            labels: { [VOLUME_LABEL]: name },
            finalizers: [FINALIZER],
            ownerReferences: [
              {
                apiVersion: API_GROUP_VERSION,
                kind: 'LocalVolume',
                name,
                uid: volume.metadata.uid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: { volume: name, node, pool, size: '1Gi', role: 'primary' },
        },
      });
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      await client.request('PATCH', resourcePath(VOLUME_REPLICAS, undefined, replica, 'status'), {
        patchType: 'merge',
        body: {
          status: {
            state: 'Ready',
            devicePath: device,
            backingDevicePath: device,
            capacity: '1Gi',
            observedGeneration: 1,
            conditions: [ready(now, `volume present on node ${node} (1Gi)`)],
          },
        },
      });
      await client.request('PATCH', resourcePath(LOCAL_VOLUMES, undefined, name, 'status'), {
        patchType: 'merge',
        body: {
          status: {
            phase: 'Ready',
            capacity: '1Gi',
            primaryNode: node,
            observedGeneration: 1,
            replicas: [{ name: replica, node, pool, role: 'primary', state: 'Ready' }],
            conditions: [ready(now, `1 replica(s) ready, primary on ${node}`)],
          },
        },
      });
    };
    await inBatches(names, make);
    const reached = await seen;
    if (reached.missing.length)
      throw new Error(`api floor: ${reached.missing.length} volumes never seen Ready, e.g. ${reached.missing[0]}`);
    return performance.now() - started;
  } finally {
    for (const w of watches) w.unsubscribe();
  }
}

/** Removes what `apiFloor` made: finalizers released, then deleted (nothing else would). */
export async function removeApiFloor(client: KubeClient, names: readonly string[]): Promise<void> {
  const release = { patchType: 'merge' as const, body: { metadata: { finalizers: null } } };
  const remove = async (name: string) => {
    for (const [rt, n] of [
      [VOLUME_REPLICAS, `${name}-floor`],
      [LOCAL_VOLUMES, name],
    ] as const) {
      await client.request('PATCH', resourcePath(rt, undefined, n), release);
      await client.request('DELETE', resourcePath(rt, undefined, n));
    }
  };
  await inBatches(names, remove);
}
