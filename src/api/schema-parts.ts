// Schema fragments shared by the Stratum CRDs. Each is a structural OpenAPI v3 schema `as const`,
// so json-schema-to-ts derives the TypeScript types from the very objects the CRDs are built from.

/** A Kubernetes quantity string ("10Gi", "500M"); positivity and growth are CEL rules beside it. */
export const QUANTITY_PATTERN = '^([0-9]+(\\.[0-9]+)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$';

export const positiveQuantity = <const Extra extends readonly CelRule[] = []>(description: string, ...extra: Extra) =>
  ({
    type: 'string',
    description,
    maxLength: 32,
    pattern: QUANTITY_PATTERN,
    'x-kubernetes-validations': [
      { rule: "isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))", message: 'must be a positive quantity such as 10Gi' },
      ...extra,
    ],
  }) as const;

/** A CEL rule with the message the API server returns when it fails. */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
}

/** A transition rule: a quantity that may grow but never shrink. */
export const growOnly = (field: string, why: string) =>
  ({
    rule: '!isQuantity(self) || !isQuantity(oldSelf) || quantity(self).compareTo(quantity(oldSelf)) >= 0',
    message: `${field} may only grow: ${why}`,
  }) as const;

/** A quantity reported by Stratum in status; not user input. */
export const reportedQuantity = (description: string) => ({ type: 'string', description, maxLength: 32 }) as const;

/** A node name (DNS subdomain). */
export const nodeName = (description: string) =>
  ({ type: 'string', description, minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' }) as const;

/** A pool name: it also names a StorageClass and an LVM volume group, so a DNS label. */
export const poolName = (description: string) =>
  ({ type: 'string', description, minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }) as const;

export const MEDIA_CLASSES = ['hdd', 'ssd', 'nvme'] as const;
export const mediaClass = (description: string) => ({ type: 'string', description, enum: MEDIA_CLASSES }) as const;

/** metav1.Condition, as every Kubernetes API uses it. */
export const conditions = {
  type: 'array',
  description: "Observations of the object's state. `Ready` says whether it serves its purpose; its reason and message say why not.",
  maxItems: 16,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
  items: {
    type: 'object',
    required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
    additionalProperties: false,
    properties: {
      type: { type: 'string', description: 'Condition type, e.g. Ready.', maxLength: 316 },
      status: { type: 'string', description: 'True, False or Unknown.', enum: ['True', 'False', 'Unknown'] },
      observedGeneration: {
        type: 'integer',
        format: 'int64',
        minimum: 0,
        description: 'The .metadata.generation the condition was set for.',
      },
      lastTransitionTime: { type: 'string', format: 'date-time', description: 'When the status last changed.' },
      reason: { type: 'string', description: 'A CamelCase word for programs.', maxLength: 1024 },
      message: { type: 'string', description: 'What happened and, where it helps, what to do, for humans.', maxLength: 32768 },
    },
  },
} as const;

export const observedGeneration = {
  type: 'integer',
  format: 'int64',
  minimum: 0,
  description: 'The .metadata.generation this status was computed for.',
} as const;

/** A kind's status schema: observedGeneration and conditions, then the kind's own fields. */
export const statusSchema = <const P extends Record<string, object>>(properties: P) =>
  ({ type: 'object', additionalProperties: false, properties: { observedGeneration, conditions, ...properties } }) as const;

/** A Kubernetes label selector (metav1.LabelSelector). */
export const labelSelector = (description: string) =>
  ({
    type: 'object',
    description,
    additionalProperties: false,
    properties: {
      matchLabels: {
        type: 'object',
        description: 'Labels that must all be present with these values.',
        additionalProperties: { type: 'string' },
      },
      matchExpressions: {
        type: 'array',
        description: 'Label requirements that must all hold.',
        items: {
          type: 'object',
          required: ['key', 'operator'],
          additionalProperties: false,
          properties: {
            key: { type: 'string', description: 'Label key.' },
            operator: {
              type: 'string',
              description: 'In, NotIn, Exists or DoesNotExist.',
              enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'],
            },
            values: { type: 'array', description: 'Values for In and NotIn.', items: { type: 'string' } },
          },
        },
      },
    },
  }) as const;

/** A rule that a field may not change once set. */
export const immutable = (field: string, why: string) => ({ rule: 'self == oldSelf', message: `${field} is immutable: ${why}` }) as const;
