// DRBD's metadata lives in a small LV of its own beside the volume's data LV (external, flexible
// metadata). Why not internal metadata at the end of the data LV: a single-replica volume's
// filesystem fills its whole LV, so metadata written there later (1 → 2 replicas) would land on
// data; with a separate LV the data LV is never written by anything but the volume's user, the
// replicated device is exactly as big as the data LV, and dropping replication leaves a plain
// data LV behind.

/** The metadata LV of a volume's data LV; `_` never occurs in a volume id (a DNS label), so no volume can clash with it. */
export const metadataLvName = (dataLv: string): string => `${dataLv}_drbdmeta`;

/** LVM tag that marks an LV as the DRBD metadata of a volume. */
export const METADATA_TAG_PREFIX = 'stratum.drbdmeta=';

/**
 * LVM tag on a metadata LV until its start is zeroed. Its extents may have held another LV's
 * bitmap: drbdmeta then finds "some data" and asks before create-md, which nobody answers. The tag
 * goes only after the wipe, so an agent that stopped in between wipes on its next attempt.
 */
export const UNWIPED_TAG = 'stratum.unwiped';

const KiB = 1024n;
const MiB = 1024n * KiB;
const SUPERBLOCK = 4n * KiB;
const ACTIVITY_LOG = 32n * KiB;

const roundUp = (n: bigint, unit: bigint): bigint => ((n + unit - 1n) / unit) * unit;

/**
 * Bytes of flexible external metadata for `dataBytes` of data and `peers` bitmap slots: a 4 KiB
 * superblock, a 32 KiB activity log, and per peer one bit per 4 KiB of data in whole 4 KiB
 * pages; rounded up to a MiB, plus a MiB to spare.
 */
export function metadataBytes(dataBytes: bigint, peers: number): bigint {
  const bitmapPerPeer = roundUp((dataBytes + 32n * KiB - 1n) / (32n * KiB), 4n * KiB);
  return roundUp(SUPERBLOCK + ACTIVITY_LOG + BigInt(peers) * bitmapPerPeer, MiB) + MiB;
}

/** The metadata device beside a data LV's device (`/dev/<vg>/<lv>` → `/dev/<vg>/<lv>_drbdmeta`). */
export const metadataDevicePath = (dataDevicePath: string): string => `${dataDevicePath}_drbdmeta`;
