// The CRDs, generated from src/api. They go first, in their own file and Argo CD sync wave.
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { KIND_DEFINITIONS, toCustomResourceDefinition } from '../api/index.ts';
import { PART_OF, WAVE, syncWave } from './labels.ts';

/** A CRD as installed: the API definition plus install labels and its sync wave. */
export function installableCrd(def: (typeof KIND_DEFINITIONS)[number]): Record<string, unknown> {
  const crd = toCustomResourceDefinition(def) as { metadata: Record<string, unknown> };
  return { ...crd, metadata: { ...crd.metadata, labels: { ...PART_OF }, annotations: syncWave(WAVE.crds) } };
}

export class CrdsChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { disableResourceNameHashes: true });
    for (const def of KIND_DEFINITIONS) {
      const crd = installableCrd(def) as { apiVersion: string; kind: string; metadata: { name: string } } & Record<string, unknown>;
      new ApiObject(this, def.plural, crd);
    }
  }
}
