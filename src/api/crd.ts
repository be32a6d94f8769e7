// Turns a KindDefinition into the CustomResourceDefinition the API server enforces. The same
// definition objects give the TypeScript types, so schema and types cannot drift apart.
import { API_GROUP, API_VERSION } from '../common/constants.ts';
import type { KindDefinition } from './definition.ts';

export const STRATUM_CATEGORY = 'stratum';

export function crdName(def: Pick<KindDefinition, 'plural'>): string {
  return `${def.plural}.${API_GROUP}`;
}

/**
 * The schema as the API server takes it. The definitions say `additionalProperties: false` so
 * that the derived TypeScript types are closed; a structural schema may not combine it with
 * `properties`, and needs not: the server prunes unknown fields, or refuses them under
 * field validation Strict (kubectl's default).
 */
export function toStructural(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toStructural);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'additionalProperties' && v === false) continue;
    out[k] = k === 'x-kubernetes-validations' || k === 'enum' || k === 'required' || k === 'default' ? v : toStructural(v);
  }
  return out;
}

/** The plain CRD object (apiextensions.k8s.io/v1), without install-specific metadata. */
export function toCustomResourceDefinition(def: KindDefinition): Record<string, unknown> {
  const spec = toStructural(def.specValidations?.length ? { ...def.spec, 'x-kubernetes-validations': def.specValidations } : def.spec);
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
          ...(def.selectableFields?.length ? { selectableFields: def.selectableFields.map((jsonPath) => ({ jsonPath })) } : {}),
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: def.description,
              required: ['spec'],
              ...(def.objectValidations?.length ? { 'x-kubernetes-validations': def.objectValidations } : {}),
              properties: {
                apiVersion: { type: 'string', description: 'APIVersion of the object.' },
                kind: { type: 'string', description: 'Kind of the object.' },
                metadata: { type: 'object' },
                spec,
                status: toStructural(def.status),
              },
            },
          },
        },
      ],
    },
  };
}
