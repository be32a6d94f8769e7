// Orphans: LVs and claimed disks that carry Stratum's tags on a node but belong to no
// VolumeReplica there — left by a volume force-deleted while its node was away, or set aside by
// an agent because a newer volume of the same name asked for that name. Found in each node's
// volume listing (NodeVolumeScan); reported in the pool's `Orphans` condition, a Warning Event per
// orphan and `stratum_orphan_volumes{node,pool}`. Nothing is removed unless the pool carries the
// annotation REMOVE_ORPHANS_ANNOTATION=true.
import type { Gauge } from 'prom-client';
import { API_GROUP } from '../../common/constants.ts';
import type { Logger } from '../../common/log.ts';
import type { StoragePool, VolumeReplica } from '../../api/index.ts';
import type { Volume__Output } from '../../agent-api/generated/stratum/agent/v1/Volume.ts';
import type { Informer } from '../runtime/kube/informer.ts';
import type { OperatorMetrics } from '../runtime/metrics.ts';
import { updateCondition } from '../runtime/status.ts';
import { STORAGE_POOLS } from '../resources.ts';
import type { VolumeListingConsumer } from './node-volume-scan.ts';
import type { ClusterAccess } from '../cluster-access.ts';

/** On a StoragePool, `true` lets the operator delete the pool's orphans (their data is lost). */
export const REMOVE_ORPHANS_ANNOTATION = `${API_GROUP}/remove-orphans`;

export interface Orphan {
  readonly node: string;
  readonly pool: string;
  readonly volumeId: string;
  /** The LV's name (`<id>` or `<id>_orphan_<n>`); '' for a claimed disk. */
  readonly lvName: string;
  readonly diskId: string;
  readonly ownerUid: string;
  readonly sizeBytes: string;
}

export interface OrphanReportDeps extends ClusterAccess {
  readonly pools: Informer<StoragePool>;
  /** With an index `node` on spec.node. */
  readonly replicas: Informer<VolumeReplica>;
  readonly metrics: OperatorMetrics;
  readonly log: Logger;
}

/**
 * Which of a node's volumes (as its agent lists them) belong to no replica on that node: an LV set
 * aside by the agent, one whose owner tag names another volume than the replica's, or one with no
 * replica at all.
 */
export function findOrphans(node: string, listed: readonly Volume__Output[], replicas: readonly VolumeReplica[]): Orphan[] {
  const owners = new Map<string, string>();
  for (const r of replicas)
    if (r.spec.node === node) owners.set(r.spec.volume, r.metadata.ownerReferences?.find((o) => o.kind === 'LocalVolume')?.uid ?? '');
  return listed
    .filter((v) => {
      if (v.orphan || !owners.has(v.id)) return true;
      const uid = owners.get(v.id)!;
      return !!v.ownerUid && !!uid && v.ownerUid !== uid;
    })
    .map((v) => ({
      node,
      pool: v.pool,
      volumeId: v.id,
      lvName: v.lvName,
      diskId: v.diskId,
      ownerUid: v.ownerUid,
      sizeBytes: v.sizeBytes,
    }));
}

const describe = (o: Orphan) =>
  `${o.lvName ? `LV ${o.lvName}` : `disk ${o.diskId}`} on node ${o.node} (volume ${o.volumeId}${o.ownerUid ? `, owner UID ${o.ownerUid}` : ''}, ${o.sizeBytes} bytes)`;

export class OrphanReport implements VolumeListingConsumer {
  /** Last finding per node, so a pool's condition covers every node. */
  private readonly found = new Map<string, Orphan[]>();
  private readonly gauge: Gauge<'node' | 'pool'>;

  constructor(private readonly deps: OrphanReportDeps) {
    this.gauge = deps.metrics.orphanVolumes;
  }

  stop(): void {
    this.gauge.reset();
  }

  async consume(node: string, volumes: readonly Volume__Output[]): Promise<void> {
    // The cache at the time of the answer: a replica created meanwhile is already in it (its
    // agent call comes after the object exists), so no live volume is taken for an orphan.
    let orphans = findOrphans(node, volumes, this.deps.replicas.byIndex('node', node));
    orphans = await this.removeIfAsked(orphans);
    const before = this.found.get(node) ?? [];
    this.found.set(node, orphans);
    await this.report(node, orphans, before);
  }

  /** Deletes the orphans of pools that ask for it; returns those that remain. */
  private async removeIfAsked(orphans: Orphan[]): Promise<Orphan[]> {
    const remaining: Orphan[] = [];
    for (const o of orphans) {
      const pool = this.deps.pools.get(o.pool);
      if (pool?.metadata.annotations?.[REMOVE_ORPHANS_ANNOTATION] !== 'true' || !o.lvName) {
        remaining.push(o);
        continue;
      }
      try {
        const set = o.lvName !== o.volumeId;
        await this.deps.registry.call(o.node, 'DeleteVolume', {
          volumeId: o.volumeId,
          pool: o.pool,
          ownerUid: o.ownerUid,
          orphanLvName: set ? o.lvName : '',
        });
        await this.deps.events.record(pool, {
          type: 'Normal',
          reason: 'OrphanRemoved',
          message: `removed orphan ${describe(o)} (${REMOVE_ORPHANS_ANNOTATION})`,
        });
        this.deps.log.info({ ...o }, 'orphan removed');
      } catch (err) {
        remaining.push(o);
        await this.deps.events.record(pool, {
          type: 'Warning',
          reason: 'OrphanRemovalFailed',
          message: `could not remove orphan ${describe(o)}: ${(err as Error).message}`,
        });
      }
    }
    return remaining;
  }

  private async report(node: string, orphans: readonly Orphan[], before: readonly Orphan[]): Promise<void> {
    const seen = new Set(before.map(describe));
    for (const p of this.deps.pools.list())
      this.gauge.set({ node, pool: p.metadata.name! }, orphans.filter((o) => o.pool === p.metadata.name).length);
    for (const o of orphans) {
      const pool = this.deps.pools.get(o.pool);
      if (pool && !seen.has(describe(o)))
        await this.deps.events.record(pool, {
          type: 'Warning',
          reason: 'OrphanVolume',
          message: `${describe(o)} belongs to no volume; kept, never handed out. To delete it, annotate the pool ${REMOVE_ORPHANS_ANNOTATION}=true`,
        });
    }
    for (const name of new Set([...orphans, ...before].map((o) => o.pool))) await this.writeCondition(name);
  }

  private async writeCondition(name: string): Promise<void> {
    const pool = this.deps.pools.get(name);
    if (!pool?.status) return;
    const all = [...this.found.values()].flat().filter((o) => o.pool === name);
    const condition = all.length
      ? {
          type: 'Orphans',
          status: 'True' as const,
          reason: 'OrphansFound',
          message: `${all.length} orphan(s): ${all.map(describe).join('; ')}`,
        }
      : {
          type: 'Orphans',
          status: 'False' as const,
          reason: 'NoOrphans',
          message: 'every Stratum LV and claimed disk belongs to a volume',
        };
    await updateCondition(this.deps.client, STORAGE_POOLS, pool, condition).catch((err) =>
      this.deps.log.debug({ pool: name, err: (err as Error).message }, 'orphan condition not written; next scan retries'),
    );
  }
}
