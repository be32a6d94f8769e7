// A disk's stable identity: what stays the same when the kernel renames sdb to sdc. Preference:
// loop backing file, WWN, serial, a /dev/disk/by-id link; the kernel name only as a last resort.
// Two disks that come out with the same id (cloned serials, enclosures that repeat one WWN) are
// told apart by their physical position (by-path link, else SCSI address, else kernel name).

export interface IdentitySource {
  readonly kname: string;
  readonly wwn: string;
  readonly serial: string;
  readonly backingFile: string;
  readonly byIdPaths: readonly string[];
  readonly byPath: string;
  readonly hctl: string;
}

export function baseIdentity(d: IdentitySource): string {
  if (d.backingFile) return `loop:${d.backingFile}`;
  if (d.wwn) return `wwn:${d.wwn}`;
  if (d.serial) return `serial:${d.serial}`;
  const byId = d.byIdPaths[0];
  if (byId) return `by-id:${byId.slice(byId.lastIndexOf('/') + 1)}`;
  return `dev:${d.kname}`;
}

/** Ids for a whole scan, in input order; colliding base ids get a position suffix. */
export function assignIdentities(disks: readonly IdentitySource[]): string[] {
  const base = disks.map(baseIdentity);
  const count = new Map<string, number>();
  for (const b of base) count.set(b, (count.get(b) ?? 0) + 1);
  return base.map((b, i) => {
    if (count.get(b) === 1) return b;
    const d = disks[i]!;
    const position = d.byPath ? d.byPath.slice(d.byPath.lastIndexOf('/') + 1) : d.hctl || d.kname;
    return `${b}@${position}`;
  });
}
