// Parsing of `lvs`/`vgs`/`pvs --reportformat json --units b --nosuffix` output: LVM prints every
// value as a string inside {"report":[{"lv":[…]}]}.
export type ReportKind = 'lv' | 'vg' | 'pv';

export interface LvRow {
  readonly name: string;
  readonly vg: string;
  readonly sizeBytes: bigint;
  readonly tags: readonly string[];
  /** null when LVM cannot tell (activation off). */
  readonly open: boolean | null;
  readonly path: string;
  /** lv_layout, e.g. "linear", "thin,sparse", "pool,thin". */
  readonly layout: string;
  readonly poolLv: string;
  /** Thin pools and thin LVs: how much of the data space is written; null when LVM cannot tell. */
  readonly dataPercent: number | null;
  /** Part of the LV is on a missing PV (lv_health_status "partial"). */
  readonly partial: boolean;
}

export interface VgRow {
  readonly name: string;
  readonly sizeBytes: bigint;
  readonly freeBytes: bigint;
  readonly extentBytes: bigint;
  readonly freeExtents: bigint;
  readonly lvCount: number;
  readonly pvCount: number;
  readonly tags: readonly string[];
}

export interface PvRow {
  readonly name: string;
  readonly vg: string;
  readonly sizeBytes: bigint;
}

// LV-level fields only: a segment field (segtype, seg_*) would print one row per segment.
export const LV_FIELDS = 'lv_name,vg_name,lv_size,lv_tags,lv_device_open,lv_path,lv_layout,pool_lv,data_percent,lv_health_status';
export const VG_FIELDS = 'vg_name,vg_size,vg_free,vg_extent_size,vg_free_count,lv_count,pv_count,vg_tags';
export const PV_FIELDS = 'pv_name,vg_name,pv_size';

function rows(json: string, kind: ReportKind): Record<string, string>[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new Error(`LVM ${kind} report is not JSON: ${(err as Error).message}`);
  }
  const report = (doc as { report?: Record<string, unknown>[] }).report;
  if (!Array.isArray(report)) throw new Error(`LVM ${kind} report has no "report" array`);
  return report.flatMap((r) => (Array.isArray(r[kind]) ? (r[kind] as Record<string, string>[]) : []));
}

const int = (v: string | undefined): bigint => (v && /^\d+$/.test(v) ? BigInt(v) : 0n);
const tags = (v: string | undefined): string[] => (v ? v.split(',').filter(Boolean) : []);

export function parseLvs(json: string): LvRow[] {
  return rows(json, 'lv').map((r) => ({
    name: r.lv_name ?? '',
    vg: r.vg_name ?? '',
    sizeBytes: int(r.lv_size),
    tags: tags(r.lv_tags),
    open: r.lv_device_open === 'open' ? true : r.lv_device_open === '' ? false : null,
    path: r.lv_path ?? '',
    layout: r.lv_layout ?? '',
    poolLv: r.pool_lv ?? '',
    dataPercent: r.data_percent && /^\d+(\.\d+)?$/.test(r.data_percent) ? Number(r.data_percent) : null,
    partial: r.lv_health_status === 'partial',
  }));
}

export function parseVgs(json: string): VgRow[] {
  return rows(json, 'vg').map((r) => ({
    name: r.vg_name ?? '',
    sizeBytes: int(r.vg_size),
    freeBytes: int(r.vg_free),
    extentBytes: int(r.vg_extent_size),
    freeExtents: int(r.vg_free_count),
    lvCount: Number(int(r.lv_count)),
    pvCount: Number(int(r.pv_count)),
    tags: tags(r.vg_tags),
  }));
}

export function parsePvs(json: string): PvRow[] {
  return rows(json, 'pv').map((r) => ({ name: r.pv_name ?? '', vg: r.vg_name ?? '', sizeBytes: int(r.pv_size) }));
}
