// Parsing of `lsblk --json --bytes -o <LSBLK_COLUMNS>` and `wipefs --no-act --json` output.
// Without udev (this machine, many minimal hosts) lsblk leaves FSTYPE empty, so filesystem and
// partition-table signatures come from wipefs, which probes the devices itself.

export const LSBLK_COLUMNS = 'NAME,KNAME,PATH,MAJ:MIN,TYPE,SIZE,ROTA,TRAN,SERIAL,WWN,MODEL,VENDOR,MOUNTPOINTS,HCTL,RO';

export interface BlockDevice {
  readonly kname: string;
  readonly path: string;
  readonly majMin: string;
  readonly type: string;
  readonly sizeBytes: bigint;
  readonly rotational: boolean;
  readonly transport: string;
  readonly serial: string;
  readonly wwn: string;
  readonly model: string;
  readonly vendor: string;
  readonly hctl: string;
  readonly readOnly: boolean;
  /** Mount points of the device itself. */
  readonly mounts: readonly string[];
  readonly children: readonly BlockDevice[];
}

type Raw = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');
const bool = (v: unknown): boolean => v === true || v === '1' || v === 1;

function toDevice(r: Raw): BlockDevice {
  const mounts = Array.isArray(r.mountpoints) ? r.mountpoints : [r.mountpoint];
  const kname = str(r.kname) || str(r.name);
  return {
    kname,
    path: str(r.path) || `/dev/${kname}`,
    majMin: str(r['maj:min']),
    type: str(r.type),
    sizeBytes: /^\d+$/.test(str(r.size)) ? BigInt(str(r.size)) : 0n,
    rotational: bool(r.rota),
    transport: str(r.tran),
    serial: str(r.serial),
    wwn: str(r.wwn),
    model: str(r.model),
    vendor: str(r.vendor),
    hctl: str(r.hctl),
    readOnly: bool(r.ro),
    mounts: mounts.filter((m): m is string => typeof m === 'string' && m !== ''),
    children: Array.isArray(r.children) ? (r.children as Raw[]).map(toDevice) : [],
  };
}

export function parseLsblk(json: string): BlockDevice[] {
  const doc = JSON.parse(json) as { blockdevices?: Raw[] };
  if (!Array.isArray(doc.blockdevices)) throw new Error('lsblk output has no "blockdevices" array');
  return doc.blockdevices.map(toDevice);
}

/** kernel name → signature types found on it (e.g. ["ext4"], ["gpt", "PMBR"], ["LVM2_member"]). */
export function parseWipefs(json: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!json.trim()) return out;
  const doc = JSON.parse(json) as { signatures?: Raw[] };
  for (const s of doc.signatures ?? []) {
    const dev = str(s.device).replace(/^\/dev\//, '');
    const type = str(s.type);
    if (!dev || !type) continue;
    out.set(dev, [...(out.get(dev) ?? []), type]);
  }
  return out;
}
