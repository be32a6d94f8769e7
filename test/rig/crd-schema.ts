// Read-only views into a CustomResourceDefinition manifest: the schema of a field, its CEL rules,
// the printer columns. Tests take the expected messages and columns from here, not from copies.
import type { KubernetesObject } from '@kubernetes/client-node';

export interface CelRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
}

export interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly jsonPath: string;
  readonly priority?: number;
}

interface Schema {
  readonly properties?: Record<string, Schema>;
  readonly 'x-kubernetes-validations'?: readonly CelRule[];
}

interface CrdVersion {
  readonly name: string;
  readonly storage?: boolean;
  readonly schema?: { readonly openAPIV3Schema?: Schema };
  readonly additionalPrinterColumns?: readonly PrinterColumn[];
}

export type CrdManifest = KubernetesObject & {
  readonly spec: {
    readonly group: string;
    readonly names: { readonly kind: string; readonly plural: string; readonly shortNames?: readonly string[] };
    readonly versions: readonly CrdVersion[];
  };
};

function storageVersion(crd: CrdManifest): CrdVersion {
  const v = crd.spec.versions.find((x) => x.storage) ?? crd.spec.versions[0];
  if (!v) throw new Error(`CRD ${crd.metadata?.name} has no versions`);
  return v;
}

/** The schema at a dotted field path such as `spec.size`; throws naming the CRD when absent. */
export function fieldSchema(crd: CrdManifest, fieldPath: string): Schema {
  let node = storageVersion(crd).schema?.openAPIV3Schema;
  for (const part of fieldPath.split('.')) {
    node = node?.properties?.[part];
    if (!node) throw new Error(`CRD ${crd.metadata?.name} has no field ${fieldPath} in its schema`);
  }
  return node as Schema;
}

/** The CEL rules written on a field (not on its parents). */
export function celRules(crd: CrdManifest, fieldPath: string): readonly CelRule[] {
  return fieldSchema(crd, fieldPath)['x-kubernetes-validations'] ?? [];
}

/**
 * The static message of the field's rule that `pick` selects; throws, naming the field, when no
 * rule matches or the match has only a messageExpression (which a test cannot predict).
 */
export function celMessage(crd: CrdManifest, fieldPath: string, pick: (r: CelRule) => boolean, what: string): string {
  const rule = celRules(crd, fieldPath).find(pick);
  if (!rule) throw new Error(`CRD ${crd.metadata?.name}: no x-kubernetes-validations rule on ${fieldPath} that ${what}`);
  if (!rule.message) throw new Error(`CRD ${crd.metadata?.name}: the rule on ${fieldPath} that ${what} has no static message`);
  return rule.message;
}

export function printerColumns(crd: CrdManifest): readonly PrinterColumn[] {
  return storageVersion(crd).additionalPrinterColumns ?? [];
}

export function crdVersion(crd: CrdManifest): string {
  return `${crd.spec.group}/${storageVersion(crd).name}`;
}
