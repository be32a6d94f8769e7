// Reading YAML manifest folders (crds/, examples/, charts-gen/), and installing CRDs.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiextensionsV1Api,
  KubernetesObjectApi,
  type KubeConfig,
  type KubernetesObject,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { kubectl } from './kubectl.ts';
import { findCondition } from '../../src/operator/runtime/status.ts';

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

/**
 * Applies every CRD in `dir` with the rig's kubectl (server-side, strict) and waits (bounded)
 * until each is Established. Not through KubernetesObjectApi: its typed serializer silently
 * drops the schema's `x-kubernetes-*` keys (the CEL rules among them) from plain YAML objects.
 */
export async function installCrds(
  kc: KubeConfig,
  kubeconfigPath: string,
  dir: string,
  timeoutMs = 30_000,
): Promise<V1CustomResourceDefinition[]> {
  const crds = (await readManifests(dir)).map((m) => m.object);
  const other = crds.find((c) => c.kind !== 'CustomResourceDefinition');
  if (other) throw new Error(`${dir} holds ${describe(other)}, not only CustomResourceDefinitions`);
  await kubectl(kubeconfigPath, ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--validate=strict', '-f', dir]);
  return waitForCrdsEstablished(
    kc,
    crds.map((c) => c.metadata.name),
    timeoutMs,
  );
}

/** Waits (bounded) until each named CRD is Established; returns them as the API server has them. */
export async function waitForCrdsEstablished(
  kc: KubeConfig,
  names: readonly string[],
  timeoutMs = 30_000,
): Promise<V1CustomResourceDefinition[]> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const deadline = Date.now() + timeoutMs;
  const established: V1CustomResourceDefinition[] = [];
  for (const name of names) {
    for (;;) {
      const current = await ext.readCustomResourceDefinition({ name });
      const cond = (type: string) => findCondition(current.status?.conditions, type);
      if (cond('Established')?.status === 'True') {
        established.push(current);
        break;
      }
      if (Date.now() > deadline) {
        const names = cond('NamesAccepted');
        throw new Error(
          `CRD ${name} not Established within ${timeoutMs / 1000} s` +
            (names?.status === 'False' ? `: NamesAccepted=False (${names.message})` : ''),
        );
      }
      await sleep(100);
    }
  }
  return established;
}
