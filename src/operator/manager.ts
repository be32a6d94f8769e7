// Wires the operator together: informers, the agent registry and disk inventory, and the
// controllers, started only while this process leads (a standby keeps nothing running but its
// health endpoint and its campaign). Losing the lease stops every controller at once.
import { isDeepStrictEqual } from 'node:util';
import { bufferTime, filter, merge, type Subscription } from 'rxjs';
import { AGENT_POD_LABELS, EVICT_NODE_LABEL, MANAGED_BY_OPERATOR, OPERATOR_NAME } from '../common/constants.ts';
import { createLogger, type Logger } from '../common/log.ts';
import type { LocalDisk, LocalVolume, LocalVolumeSnapshot, StoragePool, VolumeReplica } from '../api/index.ts';
import type { ClientIdentity } from '../agent-api/client.ts';
import { AgentRegistry } from './agents/registry.ts';
import { DrbdSupport } from './agents/drbd-support.ts';
import type { AgentPod } from './agents/endpoint.ts';
import { beyondStatus, Controller } from './runtime/controller.ts';
import { ClusterDiskInventory } from './disks/inventory.ts';
import { localDiskReconciler } from './disks/localdisk-reconciler.ts';
import { EventRecorder } from './runtime/events.ts';
import type { KubeClient, KubeObject } from './runtime/kube/client.ts';
import { Informer } from './runtime/kube/informer.ts';
import { sharedMetrics, type OperatorMetrics } from './runtime/metrics.ts';
import { CAPACITY_POOL_LABEL, type CSIStorageCapacity, type StorageClass } from './pools/capacity.ts';
import { CapacityLedger } from './pools/capacity-ledger.ts';
import { capacityPublisher, poolReconciler } from './pools/pool-reconciler.ts';
import { poolStorageClassReconciler } from './pools/storage-class.ts';
import {
  CSI_STORAGE_CAPACITIES,
  LOCAL_DISKS,
  LOCAL_VOLUME_SNAPSHOTS,
  LOCAL_VOLUMES,
  NODES,
  PODS,
  STORAGE_CLASSES,
  STORAGE_POOLS,
  VOLUME_REPLICAS,
} from './resources.ts';
import { EVICTING_INDEX, evictingIndex, localVolumeReconciler, waitsOnPool } from './volumes/localvolume-reconciler.ts';
import { replicaReconciler } from './volumes/replica-reconciler.ts';
import { FilesystemReport } from './volumes/filesystem-report.ts';
import { DEFAULT_NODE_LOST_GRACE_MS, NodeLiveness } from './volumes/node-liveness.ts';
import { NodeVolumeScan } from './volumes/node-volume-scan.ts';
import { ReplicaPresence } from './volumes/replica-presence.ts';
import { VolumeCopies } from './volumes/volume-copies.ts';
import { OrphanReport } from './volumes/orphans.ts';
import { snapshotReconciler } from './volumes/snapshot-reconciler.ts';
import { ReplicationIdAllocator } from './volumes/replication-ids.ts';

/**
 * Concurrent reconciles per controller. A reconcile mostly waits, on an agent's LVM queue or the API
 * server, so a burst of volumes needs more of them in flight than there are cores; the same figure
 * the provisioning benchmark runs with.
 */
export const DEFAULT_WORKERS = 16;

export interface ManagerOptions {
  readonly client: KubeClient;
  /** Namespace of the agent pods, the Lease and the CSIStorageCapacity objects. */
  readonly namespace: string;
  /** mTLS material for calls to agents. */
  readonly agentTls: ClientIdentity;
  /** Reported as the Events' reportingInstance. */
  readonly identity: string;
  /** Concurrent reconciles per controller. @default DEFAULT_WORKERS */
  readonly workers?: number;
  /** How often each node's volumes are listed (orphans, filesystem sizes). @default DEFAULT_VOLUME_SCAN_MS */
  readonly volumeScanMs?: number;
  /** How long a node's agent may be unreachable before its replicas are Lost. @default DEFAULT_NODE_LOST_GRACE_MS */
  readonly nodeLostGraceMs?: number;
  readonly log?: Logger;
  readonly metrics?: OperatorMetrics;
}

const selector = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export class Manager {
  private readonly log: Logger;
  private readonly metrics: OperatorMetrics;
  private running: { stop(): Promise<void> } | undefined;
  private synced = false;

  constructor(private readonly opts: ManagerOptions) {
    this.log = opts.log ?? createLogger('operator');
    this.metrics = opts.metrics ?? sharedMetrics();
  }

  /** Caches of the running controllers are synced (a standby counts as ready). */
  ready(): boolean {
    return !this.running || this.synced;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const { client, namespace } = this.opts;
    const common = { log: this.log, metrics: this.metrics };
    const pods = Informer.for<AgentPod>(client, PODS, { ...common, namespace, labelSelector: selector(AGENT_POD_LABELS) });
    const nodes = Informer.for<KubeObject>(client, NODES, { ...common, indexers: { [EVICTING_INDEX]: evictingIndex } });
    const disks = Informer.for<LocalDisk>(client, LOCAL_DISKS, { ...common, indexers: { node: (d) => [d.spec.nodeName] } });
    const pools = Informer.for<StoragePool>(client, STORAGE_POOLS, common);
    const classes = Informer.for<StorageClass>(client, STORAGE_CLASSES, common);
    const capacities = Informer.for<CSIStorageCapacity>(client, CSI_STORAGE_CAPACITIES, {
      ...common,
      namespace,
      labelSelector: selector(MANAGED_BY_OPERATOR),
      indexers: { pool: (c) => [c.metadata.labels?.[CAPACITY_POOL_LABEL] ?? ''] },
    });
    const volumes = Informer.for<LocalVolume>(client, LOCAL_VOLUMES, {
      ...common,
      indexers: { pool: (v) => [v.spec.pool, ...(v.spec.replicaPool ? [v.spec.replicaPool] : [])] },
    });
    const replicas = Informer.for<VolumeReplica>(client, VOLUME_REPLICAS, {
      ...common,
      indexers: { volume: (r) => [r.spec.volume], node: (r) => [r.spec.node] },
    });
    const events = new EventRecorder(client, { component: OPERATOR_NAME, instance: this.opts.identity, ...common });
    const registry = new AgentRegistry(pods, { tls: this.opts.agentTls, ...common });
    const inventory = new ClusterDiskInventory(registry, { log: this.log });
    const workers = this.opts.workers ?? DEFAULT_WORKERS;
    const ledger = new CapacityLedger();

    const diskController = new Controller<LocalDisk>({
      kind: 'LocalDisk',
      informer: disks,
      workers,
      ...common,
      reconcile: localDiskReconciler({ client, disks, nodes, inventory, registry, events }),
    });
    const allPools = () => pools.keys();
    const poolController = new Controller<StoragePool>({
      kind: 'StoragePool',
      informer: pools,
      workers,
      ...common,
      reconcile: poolReconciler({ client, namespace, pools, disks, nodes, storageClasses: classes, capacities, registry, events, ledger }),
      // The pool's own status and capacity writes come back as events: they must not start another round.
      updates: beyondStatus,
      secondaries: [
        { informer: disks, map: allPools },
        { informer: classes, map: allPools },
        { informer: capacities, map: (c) => [c.metadata.labels?.[CAPACITY_POOL_LABEL] ?? ''].filter(Boolean), updates: () => false },
      ],
    });

    const poolClassController = new Controller<StoragePool>({
      kind: 'StoragePoolClass',
      informer: pools,
      ...common,
      reconcile: poolStorageClassReconciler({ client, pools, storageClasses: classes, events }),
      secondaries: [{ informer: classes, map: allPools }],
    });

    // Copies wake their volume's reconcile; the controller is made just below.
    const copies = new VolumeCopies((volume) => volumeController.queue.add(volume));
    const volumeController = new Controller<LocalVolume>({
      kind: 'LocalVolume',
      informer: volumes,
      workers,
      ...common,
      reconcile: localVolumeReconciler({
        client,
        volumes,
        replicas,
        pools,
        nodes,
        registry,
        events,
        ids: new ReplicationIdAllocator(() => replicas.list()),
        drbd: new DrbdSupport(registry),
        ledger,
        copies,
      }),
      // Status-only changes too, its own writes included: a write from a cache one event behind
      // (runtime/status.ts) is put right by the pass its event starts, and costs no API call otherwise.
      secondaries: [
        { informer: replicas, map: (r) => [r.spec.volume] },
        // Capacity or readiness of a pool changed: volumes waiting on it may go on (placed ones wait on their replicas).
        {
          informer: pools,
          map: (p) =>
            volumes
              .byIndex('pool', p.metadata.name!)
              .filter((v) => waitsOnPool(v, replicas.byIndex('volume', v.metadata.name!).length > 0))
              .map((v) => v.metadata.name!),
        },
      ],
    });
    const replicaController = new Controller<VolumeReplica>({
      kind: 'VolumeReplica',
      informer: replicas,
      workers,
      ...common,
      reconcile: replicaReconciler({
        client,
        replicas,
        volumes,
        registry,
        events,
        ledger,
        liveness: new NodeLiveness({
          nodes,
          agent: (node) => registry.state(node),
          graceMs: this.opts.nodeLostGraceMs ?? DEFAULT_NODE_LOST_GRACE_MS,
        }),
      }),
      // Status-only changes too, as for LocalVolumes above.
      secondaries: [
        // The volume's spec, annotations and deletion concern its replicas; the volume's status does not.
        {
          informer: volumes,
          map: (v) => replicas.byIndex('volume', v.metadata.name!).map((r) => r.metadata.name!),
          updates: beyondStatus,
        },
        // A replica waits on its peers' devices before it writes the DRBD resource.
        {
          informer: replicas,
          map: (r) => (r.spec.replication ? replicas.byIndex('volume', r.spec.volume).map((p) => p.metadata.name!) : []),
        },
      ],
    });

    const snapshots = Informer.for<LocalVolumeSnapshot>(client, LOCAL_VOLUME_SNAPSHOTS, common);
    const snapshotController = new Controller<LocalVolumeSnapshot>({
      kind: 'LocalVolumeSnapshot',
      informer: snapshots,
      workers,
      ...common,
      reconcile: snapshotReconciler({ client, snapshots, registry, events }),
    });

    const subscriptions: Subscription[] = [];
    // Pool status follows placements and made volumes, batched: one write per pool every 2 s at most.
    const publish = capacityPublisher({ client, pools, ledger });
    subscriptions.push(
      ledger.changes$.pipe(bufferTime(2_000)).subscribe((changed) => {
        for (const pool of new Set(changed))
          publish(pool).catch((err: Error) => this.log.warn({ pool, err: err.message }, 'pool capacity not published'));
      }),
    );
    // Space the ledger cannot tell shows with the pool's next report: read it soon, once for a
    // whole burst (each read is several commands on every node of the pool).
    subscriptions.push(
      ledger.reread$.pipe(bufferTime(2_000)).subscribe((pools) => {
        for (const pool of new Set(pools)) poolController.queue.add(pool);
      }),
    );
    pods.start();
    nodes.start();
    await Promise.all([pods.waitForSync(120_000), nodes.waitForSync(120_000)]);
    registry.start();
    inventory.start();
    subscriptions.push(inventory.changes$.subscribe((name) => diskController.queue.add(name)));
    // Node heartbeats change status every few seconds; only label changes move pools.
    const labelChanges = nodes.events$.pipe(
      filter((ev) => ev.type !== 'update' || !isDeepStrictEqual(ev.old.metadata.labels, ev.object.metadata.labels)),
    );
    subscriptions.push(
      merge(labelChanges, registry.changes$).subscribe(() =>
        allPools().forEach((k) => {
          poolController.queue.add(k);
        }),
      ),
    );
    // A node's agent came back or its evict label changed: its replicas and their volumes move on.
    const onNode = (node: string) =>
      replicas.byIndex('node', node).forEach((r) => {
        replicaController.queue.add(r.metadata.name!);
        volumeController.queue.add(r.spec.volume);
      });
    subscriptions.push(registry.changes$.subscribe(onNode));
    subscriptions.push(
      labelChanges.subscribe((ev) => {
        onNode(ev.object.metadata.name!);
        // A deleted Node takes its LocalDisks with it.
        if (ev.type === 'delete')
          disks.byIndex('node', ev.object.metadata.name!).forEach((d) => {
            diskController.queue.add(d.metadata.name!);
          });
        if (
          ev.object.metadata.labels?.[EVICT_NODE_LABEL] !== undefined ||
          (ev.type === 'update' && ev.old.metadata.labels?.[EVICT_NODE_LABEL] !== undefined)
        )
          volumes.keys().forEach((k) => {
            volumeController.queue.add(k);
          });
      }),
    );

    await diskController.start();
    await poolController.start();
    await poolClassController.start();
    await replicaController.start();
    await volumeController.start();
    await snapshotController.start();
    this.metrics.storage.observe({ pools, volumes, replicas, disks });
    const orphans = new OrphanReport({ client, registry, pools, replicas, events, ...common });
    const scan = new NodeVolumeScan({
      registry,
      consumers: [orphans, new ReplicaPresence({ client, replicas, disks, events }), new FilesystemReport({ client, volumes })],
      log: common.log,
      intervalMs: this.opts.volumeScanMs,
    });
    scan.start();
    this.synced = true;
    this.log.info({ namespace }, 'controllers running');

    this.running = {
      stop: async () => {
        this.metrics.storage.observe(undefined);
        scan.stop();
        orphans.stop();
        subscriptions.forEach((s) => {
          s.unsubscribe();
        });
        await Promise.all([
          diskController.stop(),
          poolController.stop(),
          poolClassController.stop(),
          volumeController.stop(),
          replicaController.stop(),
          snapshotController.stop(),
        ]);
        await inventory.stop();
        registry.stop();
        for (const i of [pods, nodes, disks, pools, classes, capacities, volumes, replicas, snapshots]) i.stop();
      },
    };
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    this.synced = false;
    await running?.stop();
    if (running) this.log.info('controllers stopped');
  }
}
