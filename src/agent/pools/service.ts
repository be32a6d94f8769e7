// Pools of one node. `lvm`: a volume group `stratum-<pool>` over the pool's disks (pvcreate,
// vgcreate, vgextend as disks are added; a thin pool LV inside when thin). `disk`: a set of whole
// disks handed out one per volume. Every change runs in the node's LVM queue; the pool's record
// is kept in the state file so a restarted agent knows its pools.
import { run } from '../../common/exec.ts';
import type { Logger } from '../../common/log.ts';
import type { Disk__Output } from '../../agent-api/generated/stratum/agent/v1/Disk.ts';
import type { Pool__Output } from '../../agent-api/generated/stratum/agent/v1/Pool.ts';
import type { CallScope } from '../../agent-api/call-scope.ts';
import { AgentError, failedPrecondition, invalidArgument, notFound } from '../../agent-api/errors.ts';
import type { NodeDiskInventory } from '../disks/inventory.ts';
import { isBusy } from '../disks/classify.ts';
import type { Lvm } from '../lvm/lvm.ts';
import { THIN_POOL_LV, pvcreateArgs, thinPoolCreateArgs, vgcreateArgs } from '../lvm/commands.ts';
import type { LvRow, VgRow } from '../lvm/report.ts';
import type { Backend, PoolRecord, StateStore } from '../state.ts';
import { checkName } from '../validate.ts';

export const POOL_VG_PREFIX = 'stratum-';
export const POOL_TAG_PREFIX = 'stratum.pool=';
export const vgName = (pool: string): string => `${POOL_VG_PREFIX}${pool}`;

/** A disk a person must free (or allow wiping) before a pool can take it. */
const diskNotUsable = (message: string) => failedPrecondition(message, { reason: 'DiskNotUsable' });

export interface EnsurePoolInput {
  readonly name: string;
  readonly backend: Backend;
  readonly thin: boolean;
  readonly disks: readonly string[];
  readonly allowUsed: boolean;
}

export function backendOf(value: string): Backend {
  if (value === 'POOL_BACKEND_LVM') return 'lvm';
  if (value === 'POOL_BACKEND_DISK') return 'disk';
  throw invalidArgument(`backend ${JSON.stringify(value)} is not one of POOL_BACKEND_LVM, POOL_BACKEND_DISK`);
}

export class PoolService {
  constructor(
    private readonly node: string,
    private readonly lvm: Lvm,
    private readonly disks: NodeDiskInventory,
    private readonly state: StateStore,
    private readonly log: Logger,
    private readonly pvMetadataSize?: string,
  ) {}

  get(name: string): PoolRecord | undefined {
    return this.state.get().pools[name];
  }

  /** The pool record or NotFound naming pool and node. */
  require(name: string): PoolRecord {
    const rec = this.get(name);
    if (!rec) throw notFound(`pool ${name} not found on node ${this.node}`, 'PoolNotFound');
    return rec;
  }

  all(): PoolRecord[] {
    return Object.values(this.state.get().pools);
  }

  /** disk id → pool, for disk states. */
  owners(): Map<string, string> {
    return new Map(this.all().flatMap((p) => p.disks.map((d) => [d, p.name] as const)));
  }

  async ensure(input: EnsurePoolInput, scope: CallScope): Promise<{ pool: Pool__Output; changed: boolean }> {
    const name = checkName('pool', input.name);
    if (input.thin && input.backend !== 'lvm') throw invalidArgument(`pool ${name}: thin needs backend lvm`);
    // The operator ensures every pool on every node each resync: an unchanged one costs a report,
    // not two disk scans and a listing in the node's change queue, where each new volume waits.
    if (this.holdsAlready(name, input)) {
      const [pool] = await this.view([this.require(name)], scope);
      // An LVM pool reads 0 bytes only when its VG (or thin pool) is gone: the full path says so.
      if (pool!.backend !== 'POOL_BACKEND_LVM' || pool!.totalBytes !== '0') return { pool: pool!, changed: false };
    }
    const changed = await this.lvm.changes.run(scope, async () => {
      const existing = this.get(name);
      if (existing && (existing.backend !== input.backend || existing.thin !== input.thin)) {
        throw failedPrecondition(
          `pool ${name} exists on node ${this.node} with backend ${existing.backend}${existing.thin ? ' (thin)' : ''}; it cannot change`,
          { reason: 'PoolLayoutChanged' },
        );
      }
      if (!existing && input.disks.length === 0) throw invalidArgument(`pool ${name}: a new pool needs at least one disk`);
      await this.disks.refresh();
      const wanted = this.resolveDisks(name, input.disks);
      const fresh = wanted.filter((d) => !existing?.disks.includes(d.id));
      for (const d of fresh) this.checkTakeable(name, d, input.allowUsed, input.backend);
      const added =
        input.backend === 'lvm'
          ? await this.ensureVg(name, input.thin, fresh, input.allowUsed, scope)
          : await this.wipe(fresh, input.allowUsed, scope);
      if (existing && !added) return false;
      await this.state.update((s) => {
        s.pools[name] = {
          name,
          backend: input.backend,
          thin: input.thin,
          ...(input.backend === 'lvm' ? { vg: vgName(name) } : {}),
          disks: [...new Set([...(existing?.disks ?? []), ...wanted.map((d) => d.id)])],
        };
      });
      this.log.info(
        { pool: name, backend: input.backend, disks: wanted.map((d) => d.devicePath) },
        existing ? 'pool extended' : 'pool created',
      );
      return true;
    });
    // The disks now belong to the pool: their state says so from here on.
    if (changed) await this.disks.refresh();
    const [pool] = await this.view([this.require(name)], scope);
    return { pool: pool!, changed };
  }

  /**
   * The pool exists as asked (same backend, same thinness) and every disk asked for is present
   * at the last scan and already its member: nothing to change. A disk not seen yet (just
   * attached) or gone takes the full path, which scans.
   */
  private holdsAlready(name: string, input: EnsurePoolInput): boolean {
    const existing = this.get(name);
    if (!existing || existing.backend !== input.backend || existing.thin !== input.thin || !input.disks.length) return false;
    return input.disks.every((ref) => {
      const d = typeof ref === 'string' && ref !== '' ? this.disks.find(ref) : undefined;
      return d !== undefined && existing.disks.includes(d.id);
    });
  }

  async delete(nameIn: string, scope: CallScope): Promise<boolean> {
    const name = checkName('pool', nameIn);
    const deleted = await this.lvm.changes.run(scope, async () => {
      const rec = this.get(name);
      if (!rec) return false;
      if (rec.backend === 'disk') {
        const claims = Object.values(this.state.get().claims).filter((c) => c.pool === name);
        if (claims.length)
          throw failedPrecondition(
            `pool ${name} on node ${this.node} still holds ${claims.length} volume(s): ${claims.map((c) => c.volumeId).join(', ')}`,
            { reason: 'PoolInUse' },
          );
      } else {
        await this.removeVg(name, scope);
      }
      await this.state.update((s) => {
        delete s.pools[name];
      });
      this.log.info({ pool: name }, 'pool deleted');
      return true;
    });
    if (deleted) await this.disks.refresh();
    return deleted;
  }

  /** Every pool with capacity: one `vgs` call for all LVM pools, disk pools from the last scan. */
  list(scope: CallScope): Promise<Pool__Output[]> {
    return this.view(this.all(), scope);
  }

  private async view(records: readonly PoolRecord[], scope: CallScope): Promise<Pool__Output[]> {
    const lvmVgs = records.filter((r) => r.backend === 'lvm').map((r) => vgName(r.name));
    const vgs = new Map((lvmVgs.length ? await this.lvm.vgs(scope, lvmVgs) : []).map((v) => [v.name, v]));
    // Thin pools: their capacity is the thin-pool LV's and their volumes' virtual sizes (one `lvs`).
    const thinVgs = records.filter((r) => r.backend === 'lvm' && r.thin).map((r) => vgName(r.name));
    const thinLvs = thinVgs.length ? await this.lvm.lvs(scope, thinVgs) : [];
    const claims = Object.values(this.state.get().claims);
    const disks = new Map(this.disks.current().map((d) => [d.id, d]));
    return records.map((r) =>
      r.backend === 'lvm'
        ? lvmPool(
            r,
            vgs.get(vgName(r.name)),
            thinLvs.filter((l) => l.vg === vgName(r.name)),
          )
        : diskPool(
            r,
            disks,
            claims.filter((c) => c.pool === r.name).map((c) => c.diskId),
          ),
    );
  }

  private resolveDisks(pool: string, refs: readonly string[]): Disk__Output[] {
    const found = new Map<string, Disk__Output>();
    for (const ref of refs) {
      if (typeof ref !== 'string' || ref === '') throw invalidArgument(`pool ${pool}: empty disk reference`);
      const d = this.disks.find(ref);
      if (!d)
        throw notFound(`pool ${pool}: disk ${ref} not found on node ${this.node} (or outside this agent's disk filter)`, 'DiskNotFound');
      found.set(d.id, d);
    }
    return [...found.values()];
  }

  private checkTakeable(pool: string, d: Disk__Output, allowUsed: boolean, backend: Backend): void {
    const what = `pool ${pool}: disk ${d.id} (${d.devicePath}) on node ${this.node}`;
    if (d.pool && d.pool !== pool) throw diskNotUsable(`${what} belongs to pool ${d.pool}`);
    const reasons = d.inUseReasons.filter((r) => !r.startsWith('pool:'));
    if (isBusy(reasons)) throw diskNotUsable(`${what} is in use (${reasons.join(', ')})`);
    if (reasons.includes('read-only')) throw diskNotUsable(`${what} is read-only`);
    // An LVM label alone is judged by ensureVg, which can tell a PV of this pool's own VG.
    const lvmLabelOnly = backend === 'lvm' && reasons.every((r) => r === 'signature:LVM2_member');
    if (reasons.length && !allowUsed && !lvmLabelOnly) {
      throw diskNotUsable(`${what} is not blank (${reasons.join(', ')}); set allow_used to wipe it and take it`);
    }
  }

  private async wipe(disks: readonly Disk__Output[], allowUsed: boolean, scope: CallScope): Promise<boolean> {
    for (const d of disks) {
      if (allowUsed && d.inUseReasons.some((r) => r.startsWith('signature:') || r === 'partitions')) {
        await run('wipefs', ['--all', d.devicePath], { timeoutMs: scope.commandTimeout(60_000), signal: scope.signal });
        this.log.warn({ disk: d.id, device: d.devicePath, was: d.inUseReasons }, 'wiped disk on request (allow_used)');
      }
    }
    return disks.length > 0;
  }

  /** Creates or extends the pool's VG with `fresh` disks; true when anything changed. */
  private async ensureVg(
    pool: string,
    thin: boolean,
    fresh: readonly Disk__Output[],
    allowUsed: boolean,
    scope: CallScope,
  ): Promise<boolean> {
    const vg = vgName(pool);
    const [pvs, vgs] = await Promise.all([this.lvm.pvs(scope), this.lvm.vgs(scope, [vg])]);
    const vgExists = vgs.some((v) => v.name === vg);
    const toAdd: string[] = [];
    for (const d of fresh) {
      const pv = pvs.find((p) => p.name === d.devicePath);
      if (pv?.vg === vg) continue;
      if (pv?.vg) throw diskNotUsable(`pool ${pool}: disk ${d.id} (${d.devicePath}) on node ${this.node} is a PV of volume group ${pv.vg}`);
      if (d.inUseReasons.includes('signature:LVM2_member') && !allowUsed) {
        throw diskNotUsable(
          `pool ${pool}: disk ${d.id} (${d.devicePath}) on node ${this.node} carries an LVM label; set allow_used to wipe it and take it`,
        );
      }
      toAdd.push(d.devicePath);
    }
    const toWipe = fresh.filter((d) => toAdd.includes(d.devicePath));
    await this.wipe(toWipe, allowUsed, scope);
    if (!toAdd.length && vgExists) return false;
    if (toAdd.length) await this.lvm.exec(scope, 'pvcreate', pvcreateArgs(toAdd, this.pvMetadataSize));
    if (vgExists) {
      await this.lvm.exec(scope, 'vgextend', ['--yes', vg, ...toAdd]);
      return true;
    }
    try {
      await this.lvm.exec(scope, 'vgcreate', vgcreateArgs(vg, toAdd, [`${POOL_TAG_PREFIX}${pool}`]));
      if (thin) await this.lvm.exec(scope, 'lvcreate', thinPoolCreateArgs(vg, this.lvm.activation));
    } catch (err) {
      await this.rollbackVg(vg, toAdd, scope);
      if (err instanceof AgentError && err.kind === 'FailedPrecondition' && thin) {
        throw failedPrecondition(`pool ${pool} on node ${this.node}: cannot create the thin pool: ${err.message}`, {
          cause: err,
          reason: 'ThinPoolUnsupported',
        });
      }
      throw err;
    }
    return true;
  }

  private async rollbackVg(vg: string, pvs: readonly string[], scope: CallScope): Promise<void> {
    await this.lvm.exec(scope, 'vgremove', ['--yes', vg]).catch(() => undefined);
    if (pvs.length) await this.lvm.exec(scope, 'pvremove', ['--yes', ...pvs]).catch(() => undefined);
  }

  private async removeVg(pool: string, scope: CallScope): Promise<void> {
    const vg = vgName(pool);
    const [lvs, pvs] = await Promise.all([this.lvm.lvs(scope, [vg]), this.lvm.pvs(scope)]);
    const volumes = lvs.filter((l) => l.name !== THIN_POOL_LV && l.vg === vg);
    if (volumes.length) {
      const names = `${volumes
        .slice(0, 10)
        .map((l) => l.name)
        .join(', ')}${volumes.length > 10 ? ', …' : ''}`;
      throw failedPrecondition(`pool ${pool} on node ${this.node} still holds ${volumes.length} volume(s): ${names}`, {
        reason: 'PoolInUse',
      });
    }
    const members = pvs.filter((p) => p.vg === vg).map((p) => p.name);
    if (!members.length) return;
    await this.lvm.exec(scope, 'vgremove', ['--yes', vg]);
    await this.lvm.exec(scope, 'pvremove', ['--yes', ...members]);
  }
}

function lvmPool(r: PoolRecord, vg: VgRow | undefined, thinLvs: readonly LvRow[]): Pool__Output {
  const pool: Pool__Output = {
    name: r.name,
    backend: 'POOL_BACKEND_LVM',
    thin: r.thin,
    vgName: vgName(r.name),
    disks: [...r.disks],
    totalBytes: String(vg?.sizeBytes ?? 0n),
    freeBytes: String(vg?.freeBytes ?? 0n),
    allocatableBytes: String(vg?.freeBytes ?? 0n),
    extentSizeBytes: String(vg?.extentBytes ?? 0n),
    volumeCount: Math.max(0, (vg?.lvCount ?? 0) - (r.thin ? 1 : 0)),
    provisionedBytes: '0',
  };
  return r.thin ? { ...pool, ...thinCapacity(thinLvs) } : pool;
}

/** A thin pool's capacity from its LVs: the thin-pool LV's size and written part, the volumes' virtual sizes. */
export function thinCapacity(
  lvs: readonly LvRow[],
): Pick<Pool__Output, 'totalBytes' | 'freeBytes' | 'allocatableBytes' | 'provisionedBytes'> {
  const thinPool = lvs.find((l) => l.name === THIN_POOL_LV);
  const total = thinPool?.sizeBytes ?? 0n;
  // Written data in basis points: LVM reports data_percent with two decimals.
  const used = (total * BigInt(Math.round((thinPool?.dataPercent ?? 0) * 100))) / 10_000n;
  const provisioned = lvs.filter((l) => l.poolLv === THIN_POOL_LV).reduce((sum, l) => sum + l.sizeBytes, 0n);
  return {
    totalBytes: String(total),
    freeBytes: String(total - used),
    allocatableBytes: String(total > provisioned ? total - provisioned : 0n),
    provisionedBytes: String(provisioned),
  };
}

function diskPool(r: PoolRecord, disks: ReadonlyMap<string, Disk__Output>, claimed: readonly string[]): Pool__Output {
  const sizes = r.disks.map((id) => disks.get(id)).filter((d): d is Disk__Output => !!d && d.state !== 'DISK_STATE_MISSING');
  const free = sizes.filter((d) => !claimed.includes(d.id)).map((d) => BigInt(d.sizeBytes));
  return {
    name: r.name,
    backend: 'POOL_BACKEND_DISK',
    thin: false,
    vgName: '',
    disks: [...r.disks],
    totalBytes: String(sizes.reduce((a, d) => a + BigInt(d.sizeBytes), 0n)),
    freeBytes: String(free.reduce((a, b) => a + b, 0n)),
    allocatableBytes: String(free.reduce((a, b) => (b > a ? b : a), 0n)),
    extentSizeBytes: '0',
    volumeCount: claimed.length,
    provisionedBytes: '0',
  };
}
