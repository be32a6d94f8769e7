// The operator's Prometheus metrics, all prefixed `stratum_`, on one registry served at /metrics.
// Components take an OperatorMetrics so tests can use a fresh registry; the process uses one.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { StorageMetrics } from '../storage-metrics.ts';

const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class OperatorMetrics {
  readonly reconcileTotal: Counter<'kind' | 'result'>;
  readonly reconcileErrors: Counter<'kind'>;
  readonly reconcileDuration: Histogram<'kind'>;
  readonly queueDepth: Gauge<'name'>;
  readonly queueAdds: Counter<'name'>;
  readonly queueLatency: Histogram<'name'>;
  readonly queueWorkDuration: Histogram<'name'>;
  readonly queueRetries: Counter<'name'>;
  readonly watchRestarts: Counter<'resource'>;
  readonly watchEvents: Counter<'resource' | 'type'>;
  readonly leader: Gauge<'lease'>;
  readonly agentConnected: Gauge<'node'>;
  readonly orphanVolumes: Gauge<'node' | 'pool'>;
  readonly agentCalls: Counter<'node' | 'method' | 'code'>;
  readonly eventWriteFailures: Counter<'reason'>;
  readonly agentCallDuration: Histogram<'node' | 'method'>;
  /** Pools, volumes, replicas and disks as their status says. */
  readonly storage: StorageMetrics;

  constructor(readonly registry: Registry = new Registry()) {
    const registers = [registry];
    this.reconcileTotal = new Counter({
      name: 'stratum_reconcile_total',
      help: 'Reconciles by kind and result (success, requeue_after, error, terminal_error).',
      labelNames: ['kind', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'stratum_reconcile_errors_total',
      help: 'Reconciles that failed, retried or not.',
      labelNames: ['kind'],
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: 'stratum_reconcile_duration_seconds',
      help: 'Time spent in one reconcile.',
      labelNames: ['kind'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'stratum_workqueue_depth',
      help: 'Keys waiting in the work queue.',
      labelNames: ['name'],
      registers,
    });
    this.queueAdds = new Counter({
      name: 'stratum_workqueue_adds_total',
      help: 'Keys added to the work queue (duplicates of a waiting key not counted).',
      labelNames: ['name'],
      registers,
    });
    this.queueLatency = new Histogram({
      name: 'stratum_workqueue_queue_duration_seconds',
      help: 'Time a key waits in the queue before a worker takes it.',
      labelNames: ['name'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.queueWorkDuration = new Histogram({
      name: 'stratum_workqueue_work_duration_seconds',
      help: 'Time a worker spends on a key.',
      labelNames: ['name'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.queueRetries = new Counter({
      name: 'stratum_workqueue_retries_total',
      help: 'Keys requeued with backoff after a failure.',
      labelNames: ['name'],
      registers,
    });
    this.watchRestarts = new Counter({
      name: 'stratum_watch_restarts_total',
      help: 'Watch streams restarted (410 Gone, broken connection, API error).',
      labelNames: ['resource'],
      registers,
    });
    this.watchEvents = new Counter({
      name: 'stratum_watch_events_total',
      help: 'Events delivered by watch streams, relist differences included.',
      labelNames: ['resource', 'type'],
      registers,
    });
    this.leader = new Gauge({ name: 'stratum_leader', help: '1 while this process holds the lease.', labelNames: ['lease'], registers });
    this.agentConnected = new Gauge({
      name: 'stratum_agent_connected',
      help: "1 while the last call to the node's agent got an answer, 0 while it is unreachable.",
      labelNames: ['node'],
      registers,
    });
    this.orphanVolumes = new Gauge({
      name: 'stratum_orphan_volumes',
      help: 'LVs and claimed disks with Stratum tags that belong to no VolumeReplica, per node and pool.',
      labelNames: ['node', 'pool'],
      registers,
    });
    this.agentCalls = new Counter({
      name: 'stratum_agent_calls_total',
      help: 'Calls to agents by node, method and gRPC status code.',
      labelNames: ['node', 'method', 'code'],
      registers,
    });
    this.eventWriteFailures = new Counter({
      name: 'stratum_event_write_failures_total',
      help: 'Events that could not be written (logged, never thrown), by event reason.',
      labelNames: ['reason'],
      registers,
    });
    this.agentCallDuration = new Histogram({
      name: 'stratum_agent_call_duration_seconds',
      help: 'Time from sending a call to an agent to its answer or failure, by node and method.',
      labelNames: ['node', 'method'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.storage = new StorageMetrics(registry);
  }

  /** Process metrics (CPU, memory, event loop lag) with the `stratum_` prefix. */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry, prefix: 'stratum_' });
  }
}

let shared: OperatorMetrics | undefined;

/** The process-wide metrics; components use it unless given their own. */
export function sharedMetrics(): OperatorMetrics {
  return (shared ??= new OperatorMetrics());
}
