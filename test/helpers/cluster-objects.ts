// The Kubernetes side that test/integration's TestCluster and the lab's LabCluster share: the
// Stratum CRDs installed and served, objects made in the cluster's namespace and remembered, and
// at teardown removed newest first with the operator's finalizers released (no operator runs by then).
import type { KubeConfig } from '@kubernetes/client-node';
import type { LocalVolume, StoragePool } from '../../src/api/index.ts';
import { API_GROUP_VERSION, CSI_DRIVER_NAME, FINALIZER } from '../../src/common/constants.ts';
import type { StorageClass } from '../../src/operator/pools/capacity.ts';
import { LOCAL_DISKS, LOCAL_VOLUMES, STORAGE_CLASSES, STORAGE_POOLS, VOLUME_REPLICAS } from '../../src/operator/resources.ts';
import {
  KubeClient,
  isConflict,
  isNotFound,
  resourcePath,
  type KubeObject,
  type ResourceType,
} from '../../src/operator/runtime/kube/client.ts';
import { ADMISSION_API_VERSION, finalizerPolicyObjects } from '../../src/manifests/admission.ts';
import { waitFor } from '../operator/support.ts';
import { CRDS_DIR } from '../rig/binaries.ts';
import { installCrds } from '../rig/manifests.ts';

/** Installs the Stratum CRDs and the install's admission policy, and returns a client once each CRD is served. */
export async function clientWithStratumCrds(kc: KubeConfig, kubeconfigPath: string): Promise<KubeClient> {
  await installCrds(kc, kubeconfigPath, CRDS_DIR);
  const client = new KubeClient(kc);
  await installFinalizerPolicy(client);
  // Established is not yet servable: the first lists answer 429 while storage initialises.
  for (const rt of [LOCAL_DISKS, STORAGE_POOLS, LOCAL_VOLUMES, VOLUME_REPLICAS]) {
    await waitFor(
      `${rt.plural} to be served`,
      () =>
        client.request('GET', resourcePath(rt), { query: { limit: 1 } }).then(
          () => true,
          () => false,
        ),
      30_000,
      100,
    );
  }
  return client;
}

const admissionResource = (kind: string): ResourceType => ({
  apiVersion: ADMISSION_API_VERSION,
  kind,
  plural: kind === 'MutatingAdmissionPolicy' ? 'mutatingadmissionpolicies' : 'mutatingadmissionpolicybindings',
  namespaced: false,
});

/** The install's MutatingAdmissionPolicy and its binding, as charts-gen/ has them; one already there is kept. */
async function installFinalizerPolicy(client: KubeClient): Promise<void> {
  for (const obj of finalizerPolicyObjects()) {
    await client.request('POST', resourcePath(admissionResource(obj.kind)), { body: obj }).catch((err: unknown) => {
      if (!isConflict(err)) throw err;
    });
  }
}

/** Without the policy (a cluster older than 1.36, or finalizerPolicy: false): the operator adds each finalizer. */
export async function removeFinalizerPolicy(client: KubeClient): Promise<void> {
  for (const obj of finalizerPolicyObjects().reverse()) {
    await client.request('DELETE', resourcePath(admissionResource(obj.kind), undefined, obj.metadata.name)).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
}

export const EVENTS: ResourceType = { apiVersion: 'v1', kind: 'Event', plural: 'events', namespaced: true };
/** A core/v1 Event, as far as the tests read it. */
export interface KubeEvent extends KubeObject {
  type: string;
  reason: string;
  message: string;
  involvedObject: { name: string };
}

/** What a StorageClass may set besides its pool parameters; unset fields take the API server's defaults. */
export interface StorageClassOptions {
  readonly volumeBindingMode?: 'Immediate' | 'WaitForFirstConsumer';
  readonly reclaimPolicy?: 'Delete' | 'Retain';
  readonly allowVolumeExpansion?: boolean;
}

export class ClusterObjects {
  private readonly created: { rt: ResourceType; name: string; namespace?: string }[] = [];

  constructor(
    readonly client: KubeClient,
    readonly namespace: string,
  ) {}

  /** Creates an object and remembers it for teardown. */
  async create<T extends KubeObject>(rt: ResourceType, obj: T): Promise<T> {
    const ns = rt.namespaced ? (obj.metadata.namespace ?? this.namespace) : undefined;
    const created = await this.client.request<T>('POST', resourcePath(rt, ns), {
      body: { ...obj, metadata: { ...obj.metadata, ...(ns ? { namespace: ns } : {}) } },
    });
    this.created.push({ rt, name: created.metadata.name!, namespace: ns });
    return created;
  }

  async get<T extends KubeObject>(rt: ResourceType, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.client.request<T>('GET', resourcePath(rt, namespace, name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list<T extends KubeObject>(rt: ResourceType, query: Record<string, string> = {}, namespace?: string): Promise<T[]> {
    return (await this.client.request<{ items: T[] }>('GET', resourcePath(rt, namespace), { query })).items;
  }

  /** Events about a cluster-scoped object: core/v1 keeps them in `default`, the only namespace it allows for them. */
  async clusterEventsAbout(name: string): Promise<KubeEvent[]> {
    return this.list<KubeEvent>(EVENTS, { fieldSelector: `involvedObject.name=${name}` }, 'default');
  }

  /** Deletes an object; one already gone is fine. */
  async delete(rt: ResourceType, name: string, namespace?: string): Promise<void> {
    await this.client.request('DELETE', resourcePath(rt, namespace, name)).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
  }

  /** Creates a StoragePool (removed at teardown); the API server fills in the defaults. */
  createPool(name: string, spec: Record<string, unknown>): Promise<StoragePool> {
    return this.createStratum<StoragePool>(STORAGE_POOLS, name, spec);
  }

  /** Creates a LocalVolume (removed at teardown); the API server fills in the defaults. */
  createVolume(name: string, spec: Record<string, unknown>): Promise<LocalVolume> {
    return this.createStratum<LocalVolume>(LOCAL_VOLUMES, name, spec);
  }

  private createStratum<T extends KubeObject>(rt: ResourceType, name: string, spec: Record<string, unknown>): Promise<T> {
    return this.create(rt, { apiVersion: API_GROUP_VERSION, kind: rt.kind, metadata: { name }, spec } as KubeObject as T);
  }

  /** Creates a Stratum StorageClass (removed at teardown); `parameters` names its pool. */
  createStorageClass(name: string, parameters: Record<string, string>, opts: StorageClassOptions = {}): Promise<StorageClass> {
    return this.create<StorageClass>(STORAGE_CLASSES, {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name },
      provisioner: CSI_DRIVER_NAME,
      parameters,
      ...opts,
    });
  }

  /** Teardown steps, one per object made, newest first: release the operator's finalizer, then delete. */
  protected removalSteps(): (() => Promise<void>)[] {
    return [...this.created].reverse().map(({ rt, name, namespace }) => async () => {
      const obj = await this.get(rt, name, namespace);
      if (!obj) return;
      if (obj.metadata.finalizers?.includes(FINALIZER)) {
        await this.client.request('PATCH', resourcePath(rt, namespace, name), {
          patchType: 'merge',
          body: { metadata: { finalizers: null } },
        });
      }
      await this.delete(rt, name, namespace);
    });
  }
}
