// The install's options: one typed, validated configuration with defaults. A user overrides any
// of them in stratum.config.yaml (or the file named by STRATUM_CONFIG) without touching code.
import { readFileSync, existsSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import type { FromSchema } from 'json-schema-to-ts';
import { parse } from 'yaml';
import { DEFAULT_NAMESPACE } from '../common/constants.ts';
import { MEDIA_CLASSES, POOL_BACKENDS } from '../api/index.ts';

const dnsLabel = { type: 'string', minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' } as const;

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    namespace: { ...dnsLabel, default: DEFAULT_NAMESPACE, description: 'Namespace of the operator and the agents.' },
    image: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        repository: {
          type: 'string',
          minLength: 1,
          default: 'ghcr.io/stratum-dev/stratum',
          description: 'Image of the operator and the agent.',
        },
        tag: { type: 'string', minLength: 1, pattern: '^[\\w][\\w.-]{0,127}$', default: '0.1.0', description: 'Pinned tag; never latest.' },
      },
    },
    logLevel: { type: 'string', enum: ['debug', 'info', 'warn', 'error'], default: 'info', description: 'Log level of every component.' },
    operatorReplicas: {
      type: 'integer',
      minimum: 1,
      maximum: 5,
      default: 2,
      description: 'Operator pods; one leads, the others stand by.',
    },
    defaultReplicas: {
      type: 'integer',
      minimum: 1,
      maximum: 3,
      default: 1,
      description: 'Replicas of a volume when its StorageClass does not say.',
    },
    finalizerPolicy: {
      type: 'boolean',
      default: true,
      description:
        "A MutatingAdmissionPolicy gives each new LocalVolume the operator's finalizer at creation (one API write fewer per volume). Needs Kubernetes 1.36 or later (admissionregistration.k8s.io/v1); set false on older clusters, where the operator adds the finalizer itself.",
    },
    certManagerIssuer: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      description:
        "Bring your own issuer: cert-manager issues Stratum's CA and the operator's certificate from this (CA-type) issuer. Unset: the operator keeps its own CA.",
      properties: {
        name: { type: 'string', minLength: 1, description: 'Name of the cert-manager Issuer or ClusterIssuer.' },
        kind: {
          type: 'string',
          enum: ['Issuer', 'ClusterIssuer'],
          default: 'ClusterIssuer',
          description: 'An Issuer must live in the install namespace.',
        },
        group: {
          type: 'string',
          minLength: 1,
          default: 'cert-manager.io',
          description: 'API group of the issuer (external issuers have their own).',
        },
      },
    },
    monitoring: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Objects for Prometheus and Grafana, written to charts-gen/monitoring/ when any is on.',
      properties: {
        serviceMonitor: {
          type: 'boolean',
          default: false,
          description: "ServiceMonitors for the operator's and the agents' /metrics (needs the Prometheus Operator CRDs).",
        },
        prometheusRule: {
          type: 'boolean',
          default: false,
          description: "A PrometheusRule with Stratum's alerts, each linking its runbook in docs/runbooks.md.",
        },
        grafanaDashboard: {
          type: 'boolean',
          default: false,
          description: 'The Grafana dashboard as a ConfigMap labelled grafana_dashboard=1 for the Grafana sidecar.',
        },
        labels: {
          type: 'object',
          additionalProperties: { type: 'string' },
          default: {},
          description:
            'Extra labels on the ServiceMonitors and the PrometheusRule, e.g. release: kube-prometheus-stack, so your Prometheus selects them.',
        },
      },
    },
    pools: {
      type: 'array',
      default: [],
      description: 'Pools to create, each with a StoragePool and a StorageClass.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'mediaClass'],
        properties: {
          name: { ...dnsLabel, description: 'Name of the StoragePool.' },
          mediaClass: { type: 'string', enum: MEDIA_CLASSES, description: 'Media class of the pool.' },
          backend: { type: 'string', enum: POOL_BACKENDS, default: 'lvm', description: 'lvm or disk.' },
          thin: { type: 'boolean', default: false, description: 'Thin provisioning (lvm only).' },
          nodeSelector: {
            type: 'object',
            additionalProperties: { type: 'string' },
            default: {},
            description: "Node labels that select the pool's nodes.",
          },
          storageClassName: { ...dnsLabel, description: 'Name of the StorageClass; defaults to stratum-<name>.' },
          defaultClass: { type: 'boolean', default: false, description: 'Make the StorageClass the cluster default.' },
          replicas: {
            type: 'integer',
            minimum: 1,
            maximum: 3,
            description: 'Replicas of volumes of this class; defaults to defaultReplicas.',
          },
          fsType: { type: 'string', enum: ['ext4', 'xfs'], default: 'ext4', description: 'Filesystem of volumes of this class.' },
        },
      },
    },
  },
} as const;

/** The configuration with every default filled in (json-schema-to-ts makes defaulted options required). */
export type ResolvedConfig = FromSchema<typeof configSchema>;
export type PoolConfig = ResolvedConfig['pools'][number];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: true });
const validate = ajv.compile(configSchema);

/** "pools[0].mediaClass" from ajv's "/pools/0/mediaClass". */
function optionPath(err: ErrorObject): string {
  const parts = err.instancePath.split('/').slice(1);
  if (err.keyword === 'additionalProperties') parts.push(String(err.params.additionalProperty));
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '') || '(top level)';
}

function explain(err: ErrorObject): string {
  switch (err.keyword) {
    case 'additionalProperties':
      return 'is not a known option';
    case 'enum':
      return `must be one of ${(err.params.allowedValues as unknown[]).join(', ')}`;
    default:
      return err.message ?? 'is invalid';
  }
}

/** Validates raw options, fills defaults, and refuses with a message naming each bad option. */
export function resolveConfig(raw: unknown, source = 'configuration'): ResolvedConfig {
  const value = structuredClone(raw ?? {});
  if (!validate(value)) {
    const lines = (validate.errors ?? []).map((e) => `  ${optionPath(e)} ${explain(e)}`);
    throw new ConfigError(`invalid ${source}:\n${lines.join('\n')}`);
  }
  const config = value as ResolvedConfig;
  const names = new Set<string>();
  for (const [i, pool] of config.pools.entries()) {
    if (names.has(pool.name)) throw new ConfigError(`invalid ${source}:\n  pools[${i}].name "${pool.name}" is used by another pool`);
    names.add(pool.name);
    if (pool.thin && pool.backend !== 'lvm') throw new ConfigError(`invalid ${source}:\n  pools[${i}].thin requires backend lvm`);
  }
  if (config.pools.filter((p) => p.defaultClass).length > 1)
    throw new ConfigError(`invalid ${source}:\n  pools: only one pool may set defaultClass`);
  return config;
}

/** Reads the file if it exists (an absent file means all defaults). */
export function loadConfig(file: string): ResolvedConfig {
  if (!existsSync(file)) return resolveConfig({}, file);
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return resolveConfig(raw, file);
}
