// Which LocalVolume an LV belongs to. An LV carries `stratum.volume=<id>` (since the first
// version) and `stratum.owner=<LocalVolume UID>` (since owner tags): a volume takes over an LV
// only when the owner tag carries its own UID, so a later volume of the same name never inherits
// an older volume's data. An LV in the way of another owner is renamed `<id>_orphan_<n>` — a name
// no volume id can have (ids never contain `_`) — and kept until someone removes it on purpose.
import { LVM_OWNER_TAG_PREFIX, LVM_VOLUME_TAG_PREFIX } from '../../common/constants.ts';
import type { LvRow } from './report.ts';

export const ownerTag = (uid: string): string => `${LVM_OWNER_TAG_PREFIX}${uid}`;

/** The volume id an LV was made for (its volume tag), or undefined when it is not Stratum's. */
export function volumeIdOf(lv: Pick<LvRow, 'tags'>): string | undefined {
  return lv.tags.find((t) => t.startsWith(LVM_VOLUME_TAG_PREFIX))?.slice(LVM_VOLUME_TAG_PREFIX.length);
}

/** The owner UID in an LV's tags; '' for an LV made before owner tags. */
export function ownerOf(lv: Pick<LvRow, 'tags'>): string {
  return lv.tags.find((t) => t.startsWith(LVM_OWNER_TAG_PREFIX))?.slice(LVM_OWNER_TAG_PREFIX.length) ?? '';
}

const ORPHAN = /^(.+)_orphan_(\d+)$/;

/** An LV set aside as an orphan of volume `id`. */
export function isOrphanLv(lv: Pick<LvRow, 'name' | 'tags'>): boolean {
  const m = ORPHAN.exec(lv.name);
  return !!m && m[1] === volumeIdOf(lv);
}

/** The first free orphan name for volume `id` among `names`. */
export function orphanName(id: string, names: Iterable<string>): string {
  const taken = new Set(names);
  for (let n = 1; ; n++) if (!taken.has(`${id}_orphan_${n}`)) return `${id}_orphan_${n}`;
}

export type Ownership = 'mine' | 'adopt' | 'other';

/**
 * What CreateVolume may do with an existing LV of the volume's name: take it (`mine`), tag and
 * take it (`adopt`: made before owner tags, for a replica that already had it), or set it aside.
 * No owner asked for (an older caller): the name alone decides, as before owner tags.
 */
export function ownership(lv: Pick<LvRow, 'tags'>, ownerUid: string, adoptUntagged: boolean): Ownership {
  const owner = ownerOf(lv);
  if (!ownerUid || owner === ownerUid) return 'mine';
  if (!owner && adoptUntagged) return 'adopt';
  return 'other';
}
