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

/** A printer column named by its key: the field it shows, taking type and description from that field's schema. */
export type ColumnSource =
  | string
  | { readonly path: string; readonly wide?: boolean; readonly type?: PrinterColumn['type']; readonly description?: string };

/** What a kind declares; its names and printer columns follow from it. */
export interface KindSource extends Omit<KindDefinition, 'plural' | 'singular' | 'printerColumns'> {
  /** Column name → field; an Age column is added last. */
  readonly columns: Readonly<Record<string, ColumnSource>>;
}

/** The Ready condition's reason, shown with `-o wide`. */
export const READY_REASON: ColumnSource = {
  path: '.status.conditions[?(@.type=="Ready")].reason',
  type: 'string',
  description: 'Why it is (not) ready.',
  wide: true,
};

const AGE_COLUMN: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Age of the object.' };

export function defineKind(source: KindSource): KindDefinition {
  const { columns, ...rest } = source;
  const singular = source.kind.toLowerCase();
  const printerColumns = Object.entries(columns).map(([name, c]) => printerColumn(source, name, typeof c === 'string' ? { path: c } : c));
  return { ...rest, singular, plural: `${singular}s`, printerColumns: [...printerColumns, AGE_COLUMN] };
}

function printerColumn(source: KindSource, name: string, c: Exclude<ColumnSource, string>): PrinterColumn {
  const field = c.type && c.description ? undefined : schemaAt(source, c.path);
  const type = c.type ?? columnType(field?.type);
  const description = c.description ?? field?.description;
  if (!type || !description) throw new Error(`${source.kind} printer column ${name}: no schema field at ${c.path}`);
  return { name, type, jsonPath: c.path, description, ...(c.wide ? { priority: 1 } : {}) };
}

interface FieldSchema {
  readonly type?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, FieldSchema>>;
}

function schemaAt(source: KindSource, path: string): FieldSchema | undefined {
  const [root, ...rest] = path.split('.').slice(1);
  let field: FieldSchema | undefined = root === 'spec' ? source.spec : root === 'status' ? source.status : undefined;
  for (const key of rest) field = field?.properties?.[key];
  return field;
}

function columnType(schemaType: string | undefined): PrinterColumn['type'] | undefined {
  return schemaType === 'integer' || schemaType === 'number' || schemaType === 'boolean' || schemaType === 'string'
    ? schemaType
    : undefined;
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
