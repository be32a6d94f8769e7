// Volumes of one node. LVM pools: one LV per volume, named by the volume id and tagged
// `stratum.volume=<id>` (the tag is what makes an LV ours) and `stratum.owner=<LocalVolume UID>`
// (what makes it this volume's, see lvm/ownership.ts). Disk pools: a whole disk claimed in the
// state file, wiped (wipefs) when the volume is deleted. A reused disk and a new thick LV are
// wiped (volumes/wipe.ts) before they are handed out. Create and delete look the volume up and
// change it in one turn of the node's change queue, so a delete never misses a create queued
// before it. Create and expand are idempotent; delete of a missing volume is success; list is one
// `lvs` call.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../../common/exec.ts';
import type { Logger } from '../../common/log.ts';
import type { Volume__Output } from '../../agent-api/generated/stratum/agent/v1/Volume.ts';
import type { Disk__Output } from '../../agent-api/generated/stratum/agent/v1/Disk.ts';
import type { CallScope } from '../../agent-api/call-scope.ts';
import { AgentError, alreadyExists, failedPrecondition, invalidArgument, notFound, resourceExhausted } from '../../agent-api/errors.ts';
import type { NodeDiskInventory } from '../disks/inventory.ts';
import type { Lvm } from '../lvm/lvm.ts';
import { lvcreateArgs, lvextendArgs, lvRef, lvremoveArgs, volumeTag } from '../lvm/commands.ts';
import type { LvRow } from '../lvm/report.ts';
import { mountsOf } from '../fs/mount-table.ts';
import { vgName, type PoolService } from '../pools/service.ts';
import type { ClaimRecord, PoolRecord, StateStore } from '../state.ts';
import { checkName, checkSize } from '../validate.ts';
import { roundUp } from '../../api/quantity.ts';
import { isOrphanLv, orphanName, ownerOf, ownerTag, ownership, volumeIdOf } from '../lvm/ownership.ts';
import { wipeDevice } from './wipe.ts';
import { METADATA_TAG_PREFIX, UNWIPED_TAG, metadataBytes, metadataLvName } from '../drbd/metadata.ts';
import { MAX_REPLICAS } from '../../api/localvolume.ts';

/** Bitmap slots in every DRBD metadata LV: enough peers for the largest volume, so it never needs re-creating. */
const METADATA_PEERS = MAX_REPLICAS - 1;

export interface VolumeSizeRequest {
  readonly volumeId: string;
  readonly pool: string;
  readonly sizeBytes: string;
}

export interface CreateVolumeInput extends VolumeSizeRequest {
  readonly ownerUid?: string;
  readonly adoptUntagged?: boolean;
}

export interface DeleteVolumeInput {
  readonly volumeId: string;
  readonly pool?: string;
  readonly ownerUid?: string;
  readonly orphanLvName?: string;
}

export class VolumeService {
  /** Extent size per VG; fixed once the VG exists, so read once. */
  private readonly extents = new Map<string, bigint>();

  constructor(
    private readonly node: string,
    private readonly lvm: Lvm,
    private readonly pools: PoolService,
    private readonly disks: NodeDiskInventory,
    private readonly state: StateStore,
    private readonly log: Logger,
  ) {}

  async create(req: CreateVolumeInput, scope: CallScope): Promise<{ volume: Volume__Output; created: boolean }> {
    const { id, pool, size } = this.checkRequest(req);
    const owner = req.ownerUid ? checkOwner(req.ownerUid) : '';
    return pool.backend === 'lvm'
      ? this.createLv(id, pool, size, owner, req.adoptUntagged === true, scope)
      : this.claimDisk(id, pool, size, scope);
  }

  async expand(req: VolumeSizeRequest, scope: CallScope): Promise<{ volume: Volume__Output; expanded: boolean }> {
    const { id, pool, size } = this.checkRequest(req);
    if (pool.backend === 'disk') {
      const claim = this.state.get().claims[id];
      if (!claim || claim.pool !== pool.name)
        throw notFound(`volume ${id} not found in pool ${pool.name} on node ${this.node}`, 'VolumeNotFound');
      let volume = this.diskVolume(claim, this.disks.current());
      // A disk grown under us (a cloud volume resized, a loop file truncated) shows its size on the next scan: scan now.
      if (BigInt(volume.sizeBytes) < size) volume = this.diskVolume(claim, await this.disks.refresh());
      if (BigInt(volume.sizeBytes) >= size) return { volume, expanded: false };
      const message = `volume ${id} in disk pool ${pool.name} on node ${this.node} is a whole disk of ${volume.sizeBytes} bytes and cannot grow to ${size}`;
      throw failedPrecondition(message, { reason: 'DiskCannotGrow' });
    }
    const vg = vgName(pool.name);
    const target = roundUp(size, await this.extentSize(pool.name, scope));
    const lv = await this.findLv(vg, id, scope);
    if (!lv) throw notFound(`volume ${id} not found in pool ${pool.name} on node ${this.node}`, 'VolumeNotFound');
    if (target < lv.sizeBytes)
      throw invalidArgument(`volume ${id} in pool ${pool.name} is ${lv.sizeBytes} bytes; shrinking to ${target} is not supported`);
    if (target === lv.sizeBytes) return { volume: this.lvVolume(pool.name, lv), expanded: false };
    // DRBD's bitmap grows with the data: its LV first, so a resize never finds it short.
    const meta = await this.findMetadataLv(vg, id, scope);
    if (meta) await this.growTo(scope, pool.name, vg, meta, metadataBytes(target, METADATA_PEERS));
    try {
      await this.lvm.change(scope, 'lvextend', lvextendArgs(vg, id, target));
    } catch (err) {
      throw await this.explainSpace(err, pool.name, vg, id, target - lv.sizeBytes, scope);
    }
    this.log.info({ volume: id, pool: pool.name, from: String(lv.sizeBytes), to: String(target) }, 'volume expanded');
    return { volume: this.lvVolume(pool.name, { ...lv, sizeBytes: target }), expanded: true };
  }

  async delete(req: DeleteVolumeInput, scope: CallScope): Promise<boolean> {
    const id = checkName('volume', req.volumeId);
    const poolName = req.pool ? checkName('pool', req.pool) : '';
    const owner = req.ownerUid ? checkOwner(req.ownerUid) : '';
    const lvName = req.orphanLvName || id;
    if (req.orphanLvName && !isOrphanLv({ name: req.orphanLvName, tags: [volumeTag(id)] }))
      throw invalidArgument(`${req.orphanLvName} is not an orphan LV name of volume ${id} (${id}_orphan_<n>)`);
    // The removal is queued inside the change queue and awaited outside it (RemovalBatch.add).
    const outcome = await this.lvm.changes.run(scope, async () => {
      const claim = this.state.get().claims[id];
      if (!req.orphanLvName && claim && (!poolName || claim.pool === poolName)) return { deleted: await this.releaseDisk(claim, scope) };
      const candidates = this.pools.all().filter((p) => p.backend === 'lvm' && (!poolName || p.name === poolName));
      if (!candidates.length) return { deleted: false };
      const lvs = await this.lvm.lvsForRemoval(
        scope,
        candidates.map((p) => vgName(p.name)),
      );
      const lv = lvs.find((l) => l.name === lvName && l.tags.includes(volumeTag(id)));
      // Another volume's LV under this name (a newer volume of the same name) is not ours to delete.
      if (!lv || (owner && ownerOf(lv) && ownerOf(lv) !== owner)) return { deleted: false };
      return { lv, ...(await this.queueRemoval(id, lv, lvs)) };
    });
    if (!('removed' in outcome)) return outcome.deleted;
    await outcome.removed;
    this.log.info({ volume: id, vg: outcome.lv.vg, lv: outcome.lv.name }, 'volume deleted');
    return true;
  }

  /**
   * Queues the removal of a volume's LV (and its DRBD metadata LV) once nothing holds it; the caller
   * holds the change queue. The removal's promise comes wrapped: returned bare from an async
   * function it would be awaited there, behind the queue task that is to run it.
   */
  private async queueRemoval(id: string, lv: LvRow, lvs: readonly LvRow[]): Promise<{ removed: Promise<void> }> {
    const devices = [lv.path, `/dev/mapper/${lv.vg.replace(/-/g, '--')}-${lv.name.replace(/-/g, '--')}`];
    const mounts = await mountsOf(devices);
    if (lv.open || mounts.length) {
      const held = mounts.length ? `mounted at ${mounts.join(', ')}` : 'open';
      throw failedPrecondition(`volume ${id} in volume group ${lv.vg} on node ${this.node} is ${held}; unmount it first`, {
        reason: 'VolumeInUse',
      });
    }
    const meta = lvs.find((l) => l.vg === lv.vg && l.name === metadataLvName(lv.name) && l.tags.includes(`${METADATA_TAG_PREFIX}${id}`));
    const refs = [...(meta ? [lvRef(meta.vg, meta.name)] : []), lvRef(lv.vg, lv.name)];
    return { removed: this.lvm.removals.add(refs) };
  }

  /**
   * The DRBD metadata LV of an LVM volume, created (or grown) to fit the volume's size; its
   * device path. Only LVM volumes replicate: a disk-backend volume is a whole disk with no room
   * beside it for metadata.
   */
  async ensureDrbdMetadata(volumeId: string, scope: CallScope): Promise<string> {
    const { pool, lv } = await this.requireLv(volumeId, scope);
    const want = metadataBytes(lv.sizeBytes, METADATA_PEERS);
    const existing = await this.findMetadataLv(lv.vg, volumeId, scope);
    if (existing) {
      await this.growTo(scope, pool, lv.vg, existing, want);
      if (existing.tags.includes(UNWIPED_TAG)) await this.wipeMetadata(lv.vg, existing.name, scope);
      return `/dev/${lv.vg}/${existing.name}`;
    }
    const name = metadataLvName(lv.name);
    const size = roundUp(want, await this.extentSize(pool, scope));
    try {
      await this.lvm.change(
        scope,
        'lvcreate',
        lvcreateArgs({
          vg: lv.vg,
          lv: name,
          sizeBytes: size,
          tags: [`${METADATA_TAG_PREFIX}${volumeId}`, ...(this.lvm.activation ? [UNWIPED_TAG] : [])],
          thin: false,
          activation: this.lvm.activation,
        }),
      );
    } catch (err) {
      throw await this.explainSpace(err, pool, lv.vg, name, size, scope);
    }
    this.log.info({ volume: volumeId, lv: name, bytes: String(size) }, 'DRBD metadata volume created');
    if (this.lvm.activation) await this.wipeMetadata(lv.vg, name, scope);
    return `/dev/${lv.vg}/${name}`;
  }

  /** Zeroes a new metadata LV's start (where drbdmeta looks), then drops UNWIPED_TAG. */
  private async wipeMetadata(vg: string, name: string, scope: CallScope): Promise<void> {
    await wipeDevice(`/dev/${vg}/${name}`, scope);
    await this.lvm.change(scope, 'lvchange', ['--deltag', UNWIPED_TAG, `${vg}/${name}`]);
  }

  /**
   * Activates the volume's LV and its DRBD metadata LV where device-mapper exists and their device
   * nodes are missing — after a reboot on a node where nothing activated them (no udev/systemd
   * autoactivation) — so DRBD can attach them.
   */
  async activateForDrbd(volumeId: string, scope: CallScope): Promise<void> {
    if (!this.lvm.activation) return;
    const { lv } = await this.requireLv(volumeId, scope);
    const names = [lv.name, metadataLvName(lv.name)].filter((n) => !existsSync(`/dev/${lv.vg}/${n}`));
    if (!names.length) return;
    await this.lvm.change(scope, 'lvchange', ['-ay', ...names.map((n) => `${lv.vg}/${n}`)]);
    this.log.info({ volume: volumeId, lvs: names }, 'LVs activated for DRBD');
  }

  /** Removes the volume's DRBD metadata LV, if any (the resource must be down); true when one was removed. */
  async removeDrbdMetadata(volumeId: string, scope: CallScope): Promise<boolean> {
    const found = await this.findLvAnywhere(volumeId, scope);
    if (!found) return false;
    const meta = await this.findMetadataLv(found.lv.vg, volumeId, scope);
    if (!meta) return false;
    await this.lvm.change(scope, 'lvremove', lvremoveArgs([lvRef(meta.vg, meta.name)]));
    this.log.info({ volume: volumeId, lv: meta.name }, 'DRBD metadata volume removed');
    return true;
  }

  private async findLvAnywhere(volumeId: string, scope: CallScope): Promise<{ pool: string; lv: LvRow } | undefined> {
    const id = checkName('volume', volumeId);
    const pools = this.pools.all().filter((p) => p.backend === 'lvm');
    if (!pools.length) return undefined;
    const lvs = await this.lvm.lvs(
      scope,
      pools.map((p) => vgName(p.name)),
    );
    const lv = lvs.find((l) => l.name === id && l.tags.includes(volumeTag(id)));
    return lv ? { pool: pools.find((p) => vgName(p.name) === lv.vg)!.name, lv } : undefined;
  }

  private async requireLv(volumeId: string, scope: CallScope): Promise<{ pool: string; lv: LvRow }> {
    const found = await this.findLvAnywhere(volumeId, scope);
    if (found) return found;
    const claim = this.state.get().claims[volumeId];
    if (claim)
      throw failedPrecondition(
        `volume ${volumeId} on node ${this.node} is a whole disk (pool ${claim.pool}): DRBD replication needs an LVM pool, whose metadata LV sits beside the data`,
      );
    throw notFound(`volume ${volumeId} does not exist on node ${this.node}`);
  }

  private async findMetadataLv(vg: string, volumeId: string, scope: CallScope): Promise<LvRow | undefined> {
    return (await this.lvm.lvs(scope, [vg])).find(
      (l) => l.name === metadataLvName(volumeId) && l.tags.includes(`${METADATA_TAG_PREFIX}${volumeId}`),
    );
  }

  private async growTo(scope: CallScope, pool: string, vg: string, lv: LvRow, bytes: bigint): Promise<void> {
    const target = roundUp(bytes, await this.extentSize(pool, scope));
    if (target <= lv.sizeBytes) return;
    try {
      await this.lvm.change(scope, 'lvextend', lvextendArgs(vg, lv.name, target));
    } catch (err) {
      throw await this.explainSpace(err, pool, vg, lv.name, target - lv.sizeBytes, scope);
    }
  }

  /** Every volume (or one pool's): one `lvs` call for the LVM pools, the state file for disk pools. */
  async list(poolIn: string, scope: CallScope): Promise<Volume__Output[]> {
    const poolName = poolIn ? checkName('pool', poolIn) : '';
    if (poolName) this.pools.require(poolName);
    const pools = this.pools.all().filter((p) => !poolName || p.name === poolName);
    const lvmPools = new Map(pools.filter((p) => p.backend === 'lvm').map((p) => [vgName(p.name), p.name]));
    const lvs = lvmPools.size ? await this.lvm.lvs(scope, [...lvmPools.keys()]) : [];
    const volumes = lvs
      .filter((l) => lvmPools.has(l.vg) && (l.tags.includes(volumeTag(l.name)) || isOrphanLv(l)))
      .map((l) => this.lvVolume(lvmPools.get(l.vg)!, l));
    const disks = this.disks.current();
    for (const c of Object.values(this.state.get().claims))
      if (pools.some((p) => p.name === c.pool)) volumes.push(this.diskVolume(c, disks));
    return volumes;
  }

  async find(volumeId: string, scope: CallScope): Promise<Volume__Output | undefined> {
    return (await this.list('', scope)).find((v) => v.id === volumeId && !v.orphan);
  }

  private checkRequest(req: VolumeSizeRequest): { id: string; pool: PoolRecord; size: bigint } {
    const id = checkName('volume', req.volumeId);
    const poolName = checkName('pool', req.pool);
    const size = checkSize(`volume ${id}`, req.sizeBytes);
    return { id, pool: this.pools.require(poolName), size };
  }

  private async createLv(
    id: string,
    pool: PoolRecord,
    size: bigint,
    owner: string,
    adoptUntagged: boolean,
    scope: CallScope,
  ): Promise<{ volume: Volume__Output; created: boolean }> {
    const vg = vgName(pool.name);
    const target = roundUp(size, await this.extentSize(pool.name, scope));
    const tags = [volumeTag(id), ...(owner ? [ownerTag(owner)] : [])];
    return this.lvm.changes.run(scope, async () => {
      // Optimistic: lvcreate refuses a name that exists, so the listing that decides what an
      // existing LV is (a retry, another owner's, a stranger) runs only then — one LVM command
      // per volume on the happy path instead of two.
      const created = await this.lvcreate(scope, pool, vg, id, target, tags);
      if (created) return { volume: created, created: true };
      const lvs = await this.lvm.lvs(scope, [vg]);
      const existing = lvs.find((l) => l.name === id);
      if (existing) {
        if (!existing.tags.includes(volumeTag(id)))
          throw alreadyExists(`volume group ${vg} on node ${this.node} has an LV named ${id} that is not Stratum volume ${id}`);
        const whose = ownership(existing, owner, adoptUntagged);
        if (whose === 'other') {
          await this.setAside(existing, lvs, owner, scope);
        } else {
          if (existing.sizeBytes !== target)
            throw alreadyExists(
              `volume ${id} exists in pool ${pool.name} on node ${this.node} with ${existing.sizeBytes} bytes, not ${target}`,
            );
          if (whose === 'adopt') {
            await this.lvm.exec(scope, 'lvchange', ['--addtag', ownerTag(owner), `${vg}/${id}`]);
            this.log.info({ volume: id, owner }, 'volume made before owner tags taken over by its replica');
            return { volume: this.lvVolume(pool.name, { ...existing, tags: [...existing.tags, ownerTag(owner)] }), created: false };
          }
          return { volume: this.lvVolume(pool.name, existing), created: false };
        }
      }
      const again = await this.lvcreate(scope, pool, vg, id, target, tags);
      if (!again) throw alreadyExists(`volume ${id} appeared in volume group ${vg} on node ${this.node} while it was being created`);
      return { volume: again, created: true };
    });
  }

  /** Creates the LV; undefined when its name is taken (the caller decides what that LV is). */
  private async lvcreate(
    scope: CallScope,
    pool: PoolRecord,
    vg: string,
    id: string,
    target: bigint,
    tags: readonly string[],
  ): Promise<Volume__Output | undefined> {
    try {
      await this.lvm.exec(
        scope,
        'lvcreate',
        lvcreateArgs({ vg, lv: id, sizeBytes: target, tags: [...tags], thin: pool.thin, activation: this.lvm.activation }),
      );
    } catch (err) {
      if (err instanceof AgentError && err.kind === 'AlreadyExists') return undefined;
      throw await this.explainSpace(err, pool.name, vg, id, target, scope);
    }
    const devicePath = `/dev/${vg}/${id}`;
    // A thin LV reads zeros from its pool; a thick one gets whatever extents held before.
    if (!pool.thin && this.lvm.activation && existsSync(devicePath)) await wipeDevice(devicePath, scope);
    this.log.info({ volume: id, pool: pool.name, bytes: String(target), tags }, 'volume created');
    const lv: LvRow = {
      name: id,
      vg,
      sizeBytes: target,
      tags: [...tags],
      open: false,
      path: devicePath,
      layout: pool.thin ? 'thin,sparse' : 'linear',
      poolLv: '',
      dataPercent: null,
      partial: false,
    };
    return this.lvVolume(pool.name, lv);
  }

  /**
   * Renames an LV that carries the volume's name but not its owner — left by a volume that was
   * force-deleted while this node was away — so the new volume gets a fresh LV and the old data
   * stays, reported as an orphan, until someone removes it on purpose.
   */
  private async setAside(lv: LvRow, lvs: readonly LvRow[], owner: string, scope: CallScope): Promise<void> {
    const held = lv.open || (await mountsOf([lv.path])).length;
    if (held)
      throw failedPrecondition(
        `volume group ${lv.vg} on node ${this.node} holds an LV ${lv.name} of another owner (${ownerOf(lv) || 'no owner tag'}, not ${owner}) that is in use; stop its user and remove it`,
        { reason: 'VolumeInUse' },
      );
    const renamed = orphanName(
      lv.name,
      lvs.filter((l) => l.vg === lv.vg).map((l) => l.name),
    );
    await this.lvm.exec(scope, 'lvrename', [lv.vg, lv.name, renamed]);
    this.log.warn(
      { volume: lv.name, vg: lv.vg, previousOwner: ownerOf(lv), owner, orphan: renamed },
      'LV of another owner set aside as an orphan',
    );
  }

  /** Turns LVM's "insufficient free space" into a message naming pool, node and the numbers. */
  private async explainSpace(err: unknown, pool: string, vg: string, id: string, needed: bigint, scope: CallScope): Promise<unknown> {
    if (!(err instanceof AgentError && err.kind === 'ResourceExhausted')) return err;
    const [row] = await this.lvm.vgs(scope, [vg]).catch(() => []);
    return resourceExhausted(
      `pool ${pool} on node ${this.node} has ${row?.freeBytes ?? '?'} bytes free; volume ${id} needs ${needed} more`,
    );
  }

  private async extentSize(pool: string, scope: CallScope): Promise<bigint> {
    const vg = vgName(pool);
    const known = this.extents.get(vg);
    if (known) return known;
    const [row] = await this.lvm.vgs(scope, [vg]);
    if (!row) throw failedPrecondition(`volume group ${vg} of pool ${pool} is missing on node ${this.node}`);
    this.extents.set(vg, row.extentBytes);
    return row.extentBytes;
  }

  private async findLv(vg: string, id: string, scope: CallScope, requireTag = true): Promise<LvRow | undefined> {
    const lvs = await this.lvm.lvs(scope, [vg]);
    return lvs.find((l) => l.name === id && (!requireTag || l.tags.includes(volumeTag(id))));
  }

  private lvVolume(pool: string, lv: LvRow): Volume__Output {
    const devicePath = `/dev/${lv.vg}/${lv.name}`;
    return {
      id: volumeIdOf(lv) ?? lv.name,
      pool,
      backend: 'POOL_BACKEND_LVM',
      sizeBytes: String(lv.sizeBytes),
      devicePath,
      devicePresent: this.lvm.activation && existsSync(devicePath),
      thin: lv.layout.split(',').includes('thin') && !lv.layout.includes('pool'),
      lvName: lv.name,
      diskId: '',
      open: lv.open === true,
      ownerUid: ownerOf(lv),
      orphan: isOrphanLv(lv),
      filesystem: null,
      partial: lv.partial,
    };
  }

  private diskVolume(c: ClaimRecord, disks: readonly Disk__Output[]): Volume__Output {
    const d = disks.find((x) => x.id === c.diskId);
    const present = !!d && d.state !== 'DISK_STATE_MISSING';
    return {
      id: c.volumeId,
      pool: c.pool,
      backend: 'POOL_BACKEND_DISK',
      sizeBytes: present ? d.sizeBytes : c.requestedBytes,
      devicePath: present ? d.devicePath : '',
      devicePresent: present,
      thin: false,
      lvName: '',
      diskId: c.diskId,
      open: present && d.inUseReasons.some((r) => r.startsWith('mount:') || r.startsWith('holder:')),
      ownerUid: '',
      orphan: false,
      filesystem: null,
      partial: false,
    };
  }

  private async claimDisk(
    id: string,
    pool: PoolRecord,
    size: bigint,
    scope: CallScope,
  ): Promise<{ volume: Volume__Output; created: boolean }> {
    return this.lvm.changes.run(scope, async () => {
      const existing = this.state.get().claims[id];
      if (existing) {
        if (existing.pool !== pool.name || BigInt(existing.requestedBytes) !== size) {
          throw alreadyExists(
            `volume ${id} exists in pool ${existing.pool} on node ${this.node} with ${existing.requestedBytes} bytes requested, not ${size} in pool ${pool.name}`,
          );
        }
        return { volume: this.diskVolume(existing, this.disks.current()), created: false };
      }
      const claimed = new Set(Object.values(this.state.get().claims).map((c) => c.diskId));
      const candidates = (await this.disks.refresh())
        .filter((d) => pool.disks.includes(d.id) && !claimed.has(d.id) && d.state !== 'DISK_STATE_MISSING' && BigInt(d.sizeBytes) >= size)
        .sort((a, b) => (BigInt(a.sizeBytes) < BigInt(b.sizeBytes) ? -1 : 1));
      const disk = candidates[0];
      if (!disk)
        throw resourceExhausted(`disk pool ${pool.name} on node ${this.node} has no free disk of at least ${size} bytes for volume ${id}`);
      // The disk may have served another volume before: no old header or filesystem for the next one.
      await wipeDevice(disk.devicePath, scope);
      const claim: ClaimRecord = { volumeId: id, pool: pool.name, diskId: disk.id, requestedBytes: String(size) };
      await this.state.update((s) => {
        s.claims[id] = claim;
      });
      this.log.info({ volume: id, pool: pool.name, disk: disk.id, device: disk.devicePath }, 'disk claimed');
      return { volume: this.diskVolume(claim, this.disks.current()), created: true };
    });
  }

  /** Releases a claimed disk; the caller holds the change queue. */
  private async releaseDisk(claim: ClaimRecord, scope: CallScope): Promise<boolean> {
    if (!this.state.get().claims[claim.volumeId]) return false;
    const disk = (await this.disks.refresh()).find((d) => d.id === claim.diskId && d.state !== 'DISK_STATE_MISSING');
    if (disk) {
      const mounts = await mountsOf([disk.devicePath]);
      const holders = await readdir(path.join('/sys/class/block', path.basename(disk.devicePath), 'holders')).catch(() => [] as string[]);
      if (mounts.length || holders.length) {
        const held = mounts.length ? `mounted at ${mounts.join(', ')}` : `held by ${holders.join(', ')}`;
        throw failedPrecondition(`volume ${claim.volumeId} (disk ${disk.devicePath}) on node ${this.node} is ${held}; release it first`, {
          reason: 'VolumeInUse',
        });
      }
      await run('wipefs', ['--all', disk.devicePath], { timeoutMs: scope.commandTimeout(60_000), signal: scope.signal });
    } else {
      this.log.warn({ volume: claim.volumeId, disk: claim.diskId }, 'claimed disk is missing; releasing the claim without wiping');
    }
    await this.state.update((s) => {
      delete s.claims[claim.volumeId];
    });
    this.log.info({ volume: claim.volumeId, pool: claim.pool, disk: claim.diskId }, 'disk released');
    await this.disks.refresh();
    return true;
  }
}

/** A Kubernetes UID: hex and dashes, which an LVM tag takes as they are. */
function checkOwner(uid: string): string {
  if (!/^[0-9a-f-]{1,64}$/i.test(uid)) throw invalidArgument(`owner UID ${JSON.stringify(uid)} is not a Kubernetes UID`);
  return uid;
}
