// Reading YAML manifest folders (crds/, examples/, charts-gen/) and putting their objects into
// the API server with server-side apply, as `kubectl apply --server-side` would.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiextensionsV1Api, KubernetesObjectApi, PatchStrategy,
  type KubeConfig, type KubernetesObject, type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

export const FIELD_MANAGER = 'stratum-rig-test';

export interface Manifest {
  /** File the object came from, relative to the folder. */
  readonly file: string;
  readonly object: KubernetesObject & { metadata: { name: string; namespace?: string } };
}

/** Every object of every `*.yaml`/`*.yml` file in `dir` (sorted by file name); throws if there is none. */
export async function readManifests(dir: string): Promise<Manifest[]> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const manifests: Manifest[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(path.join(dir, file), 'utf8'))) {
      if (doc.errors.length) throw new Error(`${path.join(dir, file)}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const object = doc.toJS() as Manifest['object'] | null;
      if (object === null) continue;
      if (!object.apiVersion || !object.kind || !object.metadata?.name) {
        throw new Error(`${path.join(dir, file)}: a document without apiVersion, kind or metadata.name`);
      }
      manifests.push({ file, object });
    }
  }
  if (!manifests.length) throw new Error(`no Kubernetes objects in ${dir}/*.yaml`);
  return manifests;
}

/** "Kind namespace/name" or "Kind name", for messages. */
export function describe(object: KubernetesObject): string {
  const { namespace, name } = object.metadata ?? {};
  return `${object.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/** Server-side apply of one object (forced: the test owns the fields it sets). */
export function apply<T extends KubernetesObject>(client: KubernetesObjectApi, object: T): Promise<T> {
  return client.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
}

/** KubernetesObjectApi plus the scope lookup that it keeps protected (discovery, cached per group version). */
export class ObjectApi extends KubernetesObjectApi {
  static forConfig(kc: KubeConfig): ObjectApi {
    const client = kc.makeApiClient(ObjectApi);
    client.setDefaultNamespace(kc);
    return client;
  }

  /** Whether the API server serves `object`'s kind in a namespace. */
  async isNamespaced(object: KubernetesObject): Promise<boolean> {
    const resource = await this.resource(object.apiVersion ?? '', object.kind ?? '');
    if (!resource) throw new Error(`the API server does not serve ${object.kind} (${object.apiVersion})`);
    return resource.namespaced;
  }
}

/** Applies every CRD in `dir` and waits (bounded) until each is Established. */
export async function installCrds(kc: KubeConfig, dir: string, timeoutMs = 30_000): Promise<V1CustomResourceDefinition[]> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  const crds = (await readManifests(dir)).map((m) => m.object);
  for (const crd of crds) {
    if (crd.kind !== 'CustomResourceDefinition') throw new Error(`${dir} holds ${describe(crd)}, not only CustomResourceDefinitions`);
    await apply(client, crd);
  }
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const deadline = Date.now() + timeoutMs;
  const established: V1CustomResourceDefinition[] = [];
  for (const crd of crds) {
    for (;;) {
      const current = await ext.readCustomResourceDefinition({ name: crd.metadata.name });
      const cond = (type: string) => current.status?.conditions?.find((c) => c.type === type);
      if (cond('Established')?.status === 'True') {
        established.push(current);
        break;
      }
      if (Date.now() > deadline) {
        const names = cond('NamesAccepted');
        throw new Error(`CRD ${crd.metadata.name} not Established within ${timeoutMs / 1000} s` +
          (names?.status === 'False' ? `: NamesAccepted=False (${names.message})` : ''));
      }
      await sleep(100);
    }
  }
  return established;
}
