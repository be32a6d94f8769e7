// Validates objects against a CRD's openAPIV3Schema with ajv: the structural part of what the API
// server checks (types, enums, patterns, ranges, unknown fields). CEL rules need the real API
// server; the control-plane suite checks those.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';

export interface CrdFile {
  readonly file: string;
  readonly crd: {
    metadata: { name: string };
    spec: {
      names: { kind: string; shortNames?: string[]; categories?: string[]; plural: string };
      versions: {
        name: string;
        subresources?: { status?: object };
        additionalPrinterColumns?: { name: string; jsonPath: string }[];
        schema: { openAPIV3Schema: Record<string, unknown> };
      }[];
    };
  };
}

export const repoRoot = path.resolve(import.meta.dirname, '../..');

export function readCrds(dir = path.join(repoRoot, 'crds')): CrdFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ file: f, crd: parse(readFileSync(path.join(dir, f), 'utf8')) }));
}

export function readYamlObjects(file: string): Record<string, any>[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS())
    .filter(Boolean);
}

/** Closes every object that lists its properties, as the API server's Strict field validation does. */
function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, k === 'enum' || k === 'required' ? v : strict(v)]),
  );
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** One validator per kind, from the committed CRD files. */
export function crdValidators(crds = readCrds()): Map<string, ValidateFunction> {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('int64', true).addFormat('date-time', /^\d{4}-\d{2}-\d{2}T/);
  const out = new Map<string, ValidateFunction>();
  for (const { crd } of crds) {
    out.set(crd.spec.names.kind, ajv.compile(strict(crd.spec.versions[0]!.schema.openAPIV3Schema) as object));
  }
  return out;
}
