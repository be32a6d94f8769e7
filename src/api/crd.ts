// Turns a KindDefinition into the CustomResourceDefinition the API server enforces. The same
// definition objects give the TypeScript types, so schema and types cannot drift apart.
import { API_GROUP, API_VERSION } from '../common/constants.ts';
import type { KindDefinition } from './definition.ts';

export const STRATUM_CATEGORY = 'stratum';

export function crdName(def: Pick<KindDefinition, 'plural'>): string {
  return `${def.plural}.${API_GROUP}`;
}

/** The plain CRD object (apiextensions.k8s.io/v1), without install-specific metadata. */
export function toCustomResourceDefinition(def: KindDefinition): Record<string, unknown> {
  const spec = def.specValidations?.length ? { ...def.spec, 'x-kubernetes-validations': def.specValidations } : def.spec;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(def) },
    spec: {
      group: API_GROUP,
      scope: 'Cluster',
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: [...def.shortNames],
        categories: [STRATUM_CATEGORY],
      },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.printerColumns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: def.description,
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string', description: 'APIVersion of the object.' },
                kind: { type: 'string', description: 'Kind of the object.' },
                metadata: { type: 'object' },
                spec,
                status: def.status,
              },
            },
          },
        },
      ],
    },
  };
}
