// Snapshots, restores and clones on thin LVM pools. A snapshot is a thin snapshot LV named by the
// snapshot id and tagged `stratum.snapshot=<id>` and `stratum.snapshot-of=<volume id>` — never
// `stratum.volume=`, so no volume list, volume delete or volume create ever takes it for a
// volume. A restore is a thin snapshot of the snapshot LV, a clone one of the volume LV; either
// becomes an ordinary volume (volume tag, activation-skip flag cleared). Thin snapshots share
// blocks with their origin but not its life: deleting either side leaves the other whole, so a
// volume with snapshots can be deleted and a snapshot of a deleted volume can still be restored.
import type { Logger } from '../../common/log.ts';
import type { CallScope } from '../../agent-api/call-scope.ts';
import type { Snapshot__Output } from '../../agent-api/generated/stratum/agent/v1/Snapshot.ts';
import type { Volume__Output } from '../../agent-api/generated/stratum/agent/v1/Volume.ts';
import type { VolumeSource__Output } from '../../agent-api/generated/stratum/agent/v1/VolumeSource.ts';
import { AgentError, alreadyExists, failedPrecondition, invalidArgument, notFound, resourceExhausted } from '../../agent-api/errors.ts';
import { LVM_SNAPSHOT_OF_TAG_PREFIX, LVM_SNAPSHOT_TAG_PREFIX } from '../../common/constants.ts';
import { roundUp } from '../../api/quantity.ts';
import { vgName, type PoolService } from '../pools/service.ts';
import type { StateStore } from '../state.ts';
import { checkName, checkSize } from '../validate.ts';
import { lvextendArgs, lvRef, lvremoveArgs, thinSnapshotArgs, volumeTag } from './commands.ts';
import type { Lvm } from './lvm.ts';
import type { LvRow } from './report.ts';
import { ownerOf, ownerTag } from './ownership.ts';

export const snapshotTag = (id: string): string => `${LVM_SNAPSHOT_TAG_PREFIX}${id}`;
export const snapshotOfTag = (volumeId: string): string => `${LVM_SNAPSHOT_OF_TAG_PREFIX}${volumeId}`;

const isThinLv = (lv: LvRow) => lv.layout.split(',').includes('thin') && !lv.layout.split(',').includes('pool');
const tagValue = (lv: LvRow, prefix: string) => lv.tags.find((t) => t.startsWith(prefix))?.slice(prefix.length) ?? '';

export interface CreateFromSourceRequest {
  readonly volumeId: string;
  readonly pool: string;
  readonly sizeBytes: string;
  /** UID of the LocalVolume, recorded in an owner tag. */
  readonly ownerUid?: string;
  readonly source: VolumeSource__Output;
}

export class SnapshotService {
  constructor(
    private readonly node: string,
    private readonly lvm: Lvm,
    private readonly pools: PoolService,
    private readonly state: StateStore,
    private readonly log: Logger,
  ) {}

  async create(snapshotIdIn: string, volumeIdIn: string, scope: CallScope): Promise<{ snapshot: Snapshot__Output; created: boolean }> {
    const id = checkName('volume', snapshotIdIn);
    const volumeId = checkName('volume', volumeIdIn);
    const { pool, lvs } = await this.poolLvs(scope);
    const existing = lvs.find((l) => l.name === id);
    if (existing) {
      if (!existing.tags.includes(snapshotTag(id)))
        throw alreadyExists(`volume group ${existing.vg} on node ${this.node} has an LV named ${id} that is not Stratum snapshot ${id}`);
      if (!existing.tags.includes(snapshotOfTag(volumeId)))
        throw alreadyExists(
          `snapshot ${id} on node ${this.node} exists of volume ${tagValue(existing, LVM_SNAPSHOT_OF_TAG_PREFIX)}, not ${volumeId}`,
        );
      return { snapshot: this.snapshotOf(existing, pool(existing)), created: false };
    }
    const origin = lvs.find((l) => l.name === volumeId && l.tags.includes(volumeTag(volumeId)));
    if (!origin) throw this.missingSource('volume', volumeId);
    if (!isThinLv(origin)) throw this.notThin(`volume ${volumeId}`, pool(origin));
    const tags = [snapshotTag(id), snapshotOfTag(volumeId)];
    await this.lvm.change(
      scope,
      'lvcreate',
      thinSnapshotArgs({ vg: origin.vg, origin: origin.name, lv: id, tags, asVolume: false, activation: false }),
    );
    this.log.info({ snapshot: id, volume: volumeId, vg: origin.vg, bytes: String(origin.sizeBytes) }, 'snapshot created');
    return { snapshot: { id, volumeId, pool: pool(origin), sizeBytes: String(origin.sizeBytes) }, created: true };
  }

  async delete(snapshotIdIn: string, scope: CallScope): Promise<boolean> {
    const id = checkName('volume', snapshotIdIn);
    const { lvs } = await this.poolLvs(scope);
    const lv = lvs.find((l) => l.name === id && l.tags.includes(snapshotTag(id)));
    if (!lv) return false;
    await this.lvm.change(scope, 'lvremove', lvremoveArgs([lvRef(lv.vg, lv.name)]));
    this.log.info({ snapshot: id, vg: lv.vg }, 'snapshot deleted');
    return true;
  }

  async list(poolIn: string, scope: CallScope): Promise<Snapshot__Output[]> {
    const poolName = poolIn ? checkName('pool', poolIn) : '';
    if (poolName) this.pools.require(poolName);
    const { pool, lvs } = await this.poolLvs(scope);
    return lvs
      .filter((l) => l.tags.includes(snapshotTag(l.name)) && (!poolName || pool(l) === poolName))
      .map((l) => this.snapshotOf(l, pool(l)));
  }

  /** A new volume from a snapshot (restore) or a volume (clone) of the same thin pool. */
  async createVolume(req: CreateFromSourceRequest, scope: CallScope): Promise<{ volume: Volume__Output; created: boolean }> {
    const id = checkName('volume', req.volumeId);
    const poolName = checkName('pool', req.pool);
    const size = checkSize(`volume ${id}`, req.sizeBytes);
    const record = this.pools.require(poolName);
    if (record.backend !== 'lvm' || !record.thin) throw this.notThin(`volume ${id}`, poolName);
    const kind = req.source.kind === 'snapshotId' ? 'snapshot' : req.source.kind === 'volumeId' ? 'volume' : undefined;
    if (!kind) throw invalidArgument(`volume ${id}: source names neither a snapshot nor a volume`);
    const sourceId = checkName('volume', kind === 'snapshot' ? req.source.snapshotId : req.source.volumeId);
    const vg = vgName(poolName);
    const lvs = await this.lvm.lvs(scope, [vg]);
    const [row] = await this.lvm.vgs(scope, [vg]);
    if (!row) throw failedPrecondition(`volume group ${vg} of pool ${poolName} is missing on node ${this.node}`);
    const sourceTag = kind === 'snapshot' ? snapshotTag(sourceId) : volumeTag(sourceId);
    const source = lvs.find((l) => l.name === sourceId && l.tags.includes(sourceTag));
    const existing = lvs.find((l) => l.name === id);
    if (existing && !existing.tags.includes(volumeTag(id)))
      throw alreadyExists(`volume group ${vg} on node ${this.node} has an LV named ${id} that is not Stratum volume ${id}`);
    if (!existing && !source) {
      const elsewhere = (await this.poolLvs(scope)).lvs.find((l) => l.name === sourceId && l.tags.includes(sourceTag));
      if (elsewhere)
        throw invalidArgument(
          `${kind} ${sourceId} is in another pool than ${poolName}: a ${kind === 'snapshot' ? 'restore' : 'clone'} stays in its source's pool`,
        );
      throw this.missingSource(kind, sourceId);
    }
    const target = roundUp(size, row.extentBytes);
    if (source && target < source.sizeBytes)
      throw invalidArgument(`volume ${id} of ${target} bytes is smaller than its source ${kind} ${sourceId} (${source.sizeBytes} bytes)`);
    let lv = existing;
    if (!lv) {
      // Tagged with its LocalVolume's UID like any other volume, so it is never taken for an orphan.
      const tags = [volumeTag(id), ...(req.ownerUid ? [ownerTag(req.ownerUid)] : [])];
      await this.lvm.change(
        scope,
        'lvcreate',
        thinSnapshotArgs({ vg, origin: sourceId, lv: id, tags, asVolume: true, activation: this.lvm.activation }),
      );
      this.log.info({ volume: id, pool: poolName, from: `${kind} ${sourceId}` }, kind === 'snapshot' ? 'volume restored' : 'volume cloned');
      lv = { ...source!, name: id, tags, path: `/dev/${vg}/${id}`, open: false };
    }
    // Larger than its source: grown right away (also on a retry that finds the LV not grown yet).
    if (lv.sizeBytes < target) {
      try {
        await this.lvm.change(scope, 'lvextend', lvextendArgs(vg, id, target));
      } catch (err) {
        if (err instanceof AgentError && err.kind === 'ResourceExhausted')
          throw resourceExhausted(`thin pool ${poolName} on node ${this.node} cannot grow volume ${id} to ${target} bytes: ${err.message}`);
        throw err;
      }
      lv = { ...lv, sizeBytes: target };
    }
    return { volume: this.volumeOf(poolName, lv), created: !existing };
  }

  /** Every LV of the node's LVM pools, with the pool each belongs to. */
  private async poolLvs(scope: CallScope): Promise<{ pool: (lv: LvRow) => string; lvs: LvRow[] }> {
    const byVg = new Map(
      this.pools
        .all()
        .filter((p) => p.backend === 'lvm')
        .map((p) => [vgName(p.name), p.name]),
    );
    const lvs = byVg.size ? await this.lvm.lvs(scope, [...byVg.keys()]) : [];
    return { pool: (lv) => byVg.get(lv.vg) ?? '', lvs: lvs.filter((l) => byVg.has(l.vg)) };
  }

  private missingSource(kind: 'volume' | 'snapshot', id: string): AgentError {
    const claim = kind === 'volume' ? this.state.get().claims[id] : undefined;
    if (claim) return this.notThin(`volume ${id}`, claim.pool);
    return notFound(`${kind} ${id} does not exist on node ${this.node}`, kind === 'volume' ? 'VolumeNotFound' : 'SnapshotNotFound');
  }

  private notThin(what: string, pool: string): AgentError {
    const record = this.pools.get(pool);
    const kind = record?.backend === 'disk' ? 'a disk pool (whole disks)' : 'a thick LVM pool';
    return failedPrecondition(
      `${what} is in pool ${pool} on node ${this.node}, ${kind}: snapshots, restores and clones need a thin LVM pool (StoragePool spec.thin: true)`,
      { reason: 'ThinPoolRequired' },
    );
  }

  private snapshotOf(lv: LvRow, pool: string): Snapshot__Output {
    return { id: lv.name, volumeId: tagValue(lv, LVM_SNAPSHOT_OF_TAG_PREFIX), pool, sizeBytes: String(lv.sizeBytes) };
  }

  private volumeOf(pool: string, lv: LvRow): Volume__Output {
    return {
      id: lv.name,
      pool,
      backend: 'POOL_BACKEND_LVM',
      sizeBytes: String(lv.sizeBytes),
      devicePath: `/dev/${lv.vg}/${lv.name}`,
      devicePresent: this.lvm.activation,
      thin: true,
      lvName: lv.name,
      ownerUid: ownerOf(lv),
      orphan: false,
      diskId: '',
      open: false,
      filesystem: null,
      partial: lv.partial,
    };
  }
}
