// The operator's Prometheus metrics, all prefixed `stratum_`, on one registry served at /metrics.
// Components take an OperatorMetrics so tests can use a fresh registry; the process uses one.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { EVENT_LOOP_SAMPLE_MS } from '../../common/constants.ts';
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
    // Every metric on this registry; histograms share the duration buckets.
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Counter<L>({ name, help, labelNames, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Gauge<L>({ name, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Histogram<L>({ name, help, labelNames, buckets: DURATION_BUCKETS, registers });
    this.reconcileTotal = counter(
      'stratum_reconcile_total',
      'Reconciles by kind and result (success, requeue_after, error, terminal_error).',
      ['kind', 'result'],
    );
    this.reconcileErrors = counter('stratum_reconcile_errors_total', 'Reconciles that failed, retried or not.', ['kind']);
    this.reconcileDuration = histogram('stratum_reconcile_duration_seconds', 'Time spent in one reconcile.', ['kind']);
    this.queueDepth = gauge('stratum_workqueue_depth', 'Keys waiting in the work queue.', ['name']);
    this.queueAdds = counter('stratum_workqueue_adds_total', 'Keys added to the work queue (duplicates of a waiting key not counted).', [
      'name',
    ]);
    this.queueLatency = histogram('stratum_workqueue_queue_duration_seconds', 'Time a key waits in the queue before a worker takes it.', [
      'name',
    ]);
    this.queueWorkDuration = histogram('stratum_workqueue_work_duration_seconds', 'Time a worker spends on a key.', ['name']);
    this.queueRetries = counter('stratum_workqueue_retries_total', 'Keys requeued with backoff after a failure.', ['name']);
    this.watchRestarts = counter('stratum_watch_restarts_total', 'Watch streams restarted (410 Gone, broken connection, API error).', [
      'resource',
    ]);
    this.watchEvents = counter('stratum_watch_events_total', 'Events delivered by watch streams, relist differences included.', [
      'resource',
      'type',
    ]);
    this.leader = gauge('stratum_leader', '1 while this process holds the lease.', ['lease']);
    this.agentConnected = gauge(
      'stratum_agent_connected',
      "1 while the last call to the node's agent got an answer, 0 while it is unreachable.",
      ['node'],
    );
    this.orphanVolumes = gauge(
      'stratum_orphan_volumes',
      'LVs and claimed disks with Stratum tags that belong to no VolumeReplica, per node and pool.',
      ['node', 'pool'],
    );
    this.agentCalls = counter('stratum_agent_calls_total', 'Calls to agents by node, method and gRPC status code.', [
      'node',
      'method',
      'code',
    ]);
    this.eventWriteFailures = counter(
      'stratum_event_write_failures_total',
      'Events that could not be written (logged, never thrown), by event reason.',
      ['reason'],
    );
    this.agentCallDuration = histogram(
      'stratum_agent_call_duration_seconds',
      'Time from sending a call to an agent to its answer or failure, by node and method.',
      ['node', 'method'],
    );
    this.storage = new StorageMetrics(registry);
  }

  /** Process metrics (CPU, memory, event loop lag) with the `stratum_` prefix. */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry, prefix: 'stratum_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }
}

let shared: OperatorMetrics | undefined;

/** The process-wide metrics; components use it unless given their own. */
export function sharedMetrics(): OperatorMetrics {
  return (shared ??= new OperatorMetrics());
}
