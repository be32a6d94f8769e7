// What it takes to describe one Stratum kind; src/api/crd.ts turns it into a CustomResourceDefinition.
import type { API_GROUP_VERSION } from '../common/constants.ts';

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description: string;
  /** Shown only with `-o wide`. @default 0 */
  readonly priority?: number;
}

export interface KindDefinition<Spec extends object = object, Status extends object = object> {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly description: string;
  readonly spec: Spec;
  readonly status: Status;
  /** CEL rules on the whole spec, for rules that span fields. */
  readonly specValidations?: readonly { readonly rule: string; readonly message: string }[];
  /** CEL rules on the object itself (they may read metadata.name). */
  readonly objectValidations?: readonly { readonly rule: string; readonly message: string }[];
  readonly printerColumns: readonly PrinterColumn[];
  /** Fields `kubectl get --field-selector` may use, e.g. `.spec.node`. */
  readonly selectableFields?: readonly string[];
}

/** Object metadata as JSON carries it (timestamps are RFC 3339 strings, not Dates). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  [extra: string]: unknown;
}

/** The envelope every Stratum object shares; spec and status types come from the schema. */
export interface StratumObject<Spec, Status> {
  apiVersion: typeof API_GROUP_VERSION;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}
