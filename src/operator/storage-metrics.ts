// Metrics that describe the storage itself (pools, volumes, replicas, disks), read at scrape time
// from the operator's informer caches: the objects' status stays the one source of truth, and a
// deleted object's series vanish with it. Without caches (a standby) the families are empty.
import { Gauge, type Registry } from 'prom-client';
import { parseQuantity } from '../api/quantity.ts';
import { DISK_STATES, type LocalDisk, type LocalVolume, type StoragePool, type VolumeReplica } from '../api/index.ts';

/** The caches the metrics are read from. */
export interface StorageView {
  readonly pools: { list(): StoragePool[] };
  readonly volumes: { list(): LocalVolume[] };
  readonly replicas: { list(): VolumeReplica[] };
  readonly disks: { list(): LocalDisk[] };
}

const bytes = (quantity: string | undefined): number | undefined => (quantity === undefined ? undefined : Number(parseQuantity(quantity)));

/**
 * A gauge filled from the caches at each scrape and emptied once the scrape has its values: the
 * series are not kept between scrapes, where per volume they would hold megabytes of label sets
 * (four families × 10,000 volumes) that the next scrape replaces anyway.
 */
class ScrapeGauge<L extends string> extends Gauge<L> {
  override async get(): ReturnType<Gauge<L>['get']> {
    try {
      return await super.get();
    } finally {
      // Also after a failed fill: the next scrape starts from no series.
      this.reset();
    }
  }
}

export class StorageMetrics {
  private view: StorageView | undefined;

  constructor(registry: Registry) {
    const registers = [registry];
    const gauge = <L extends string>(
      name: string,
      help: string,
      labelNames: readonly L[],
      fill: (g: Gauge<L>, view: StorageView) => void,
    ) => {
      const read = () => this.view;
      return new ScrapeGauge<L>({
        name,
        help,
        labelNames,
        registers,
        collect() {
          const view = read();
          if (view) fill(this, view);
        },
      });
    };

    const perPoolNode =
      (pick: (n: NonNullable<NonNullable<StoragePool['status']>['nodes']>[number]) => number | undefined) =>
      (g: Gauge<'pool' | 'node'>, v: StorageView) => {
        for (const p of v.pools.list()) {
          for (const n of p.status?.nodes ?? []) {
            const value = pick(n);
            if (value !== undefined) g.set({ pool: p.metadata.name!, node: n.node }, value);
          }
        }
      };
    gauge(
      'stratum_pool_capacity_bytes',
      'Total capacity of the pool on the node.',
      ['pool', 'node'],
      perPoolNode((n) => bytes(n.total)),
    );
    gauge(
      'stratum_pool_free_bytes',
      'Free capacity of the pool on the node.',
      ['pool', 'node'],
      perPoolNode((n) => bytes(n.free)),
    );
    gauge(
      'stratum_pool_allocatable_bytes',
      'Largest volume the pool can create on the node now.',
      ['pool', 'node'],
      perPoolNode((n) => bytes(n.allocatable)),
    );
    gauge(
      'stratum_pool_ready',
      '1 while the pool is formed and usable on the node.',
      ['pool', 'node'],
      perPoolNode((n) => (n.ready ? 1 : 0)),
    );
    gauge('stratum_pool_volumes', 'Volume replicas the pool holds on the node.', ['pool', 'node'], (g, v) => {
      for (const p of v.pools.list()) for (const n of p.status?.nodes ?? []) g.set({ pool: p.metadata.name!, node: n.node }, 0);
      for (const r of v.replicas.list()) g.inc({ pool: r.spec.pool, node: r.spec.node });
    });

    // One series per volume, not one per phase: with thousands of volumes, zeros for the seven other
    // phases would be most of the operator's series (and of its memory while it renders a scrape).
    gauge('stratum_volume_phase', "The volume's current phase, always 1.", ['volume', 'pool', 'phase'], (g, v) => {
      for (const lv of v.volumes.list())
        if (lv.status?.phase) g.set({ volume: lv.metadata.name!, pool: lv.spec.pool, phase: lv.status.phase }, 1);
    });
    gauge('stratum_volume_capacity_bytes', 'Actual size of the volume.', ['volume'], (g, v) => {
      for (const lv of v.volumes.list()) {
        const value = bytes(lv.status?.capacity);
        if (value !== undefined) g.set({ volume: lv.metadata.name! }, value);
      }
    });
    gauge('stratum_volume_desired_replicas', 'Replicas the volume asks for (spec.replicas).', ['volume'], (g, v) => {
      for (const lv of v.volumes.list()) g.set({ volume: lv.metadata.name! }, lv.spec.replicas ?? 1);
    });
    gauge('stratum_volume_ready_replicas', 'Replicas of the volume in state Ready.', ['volume'], (g, v) => {
      for (const lv of v.volumes.list()) g.set({ volume: lv.metadata.name! }, 0);
      for (const r of v.replicas.list()) if (r.status?.state === 'Ready') g.inc({ volume: r.spec.volume });
    });
    gauge('stratum_replica_synced_ratio', "Share of the volume's data the replica has (0 to 1).", ['volume', 'replica', 'node'], (g, v) => {
      for (const r of v.replicas.list()) {
        if (r.status?.syncPercent !== undefined)
          g.set({ volume: r.spec.volume, replica: r.metadata.name!, node: r.spec.node }, r.status.syncPercent / 100);
      }
    });
    const migrationGauge = (name: string, help: string, field: 'copiedBytes' | 'totalBytes') =>
      gauge(name, help, ['volume', 'from', 'to'], (g, v) => {
        for (const lv of v.volumes.list()) {
          const m = lv.status?.migration;
          if (m?.[field] !== undefined) g.set({ volume: lv.metadata.name!, from: m.from ?? '', to: m.to ?? '' }, m[field]);
        }
      });
    migrationGauge('stratum_volume_eviction_copied_bytes', "Bytes copied so far by the volume's eviction in progress.", 'copiedBytes');
    migrationGauge('stratum_volume_eviction_total_bytes', "Bytes the volume's eviction in progress has to copy.", 'totalBytes');

    gauge('stratum_disk_state', "The disk's state: 1 for the current one, 0 for the others.", ['disk', 'node', 'state'], (g, v) => {
      for (const d of v.disks.list()) {
        if (!d.status?.state) continue;
        for (const state of DISK_STATES) g.set({ disk: d.metadata.name!, node: d.spec.nodeName, state }, d.status.state === state ? 1 : 0);
      }
    });
  }

  /** Reads from `view` from now on; undefined (controllers stopped) empties the families. */
  observe(view: StorageView | undefined): void {
    this.view = view;
  }
}
