// The agent's own Prometheus endpoint: how long each system command (LVM, DRBD, mkfs, …) takes on
// this node, whether the kubelet has registered the CSI driver, plus process metrics, all prefixed
// `stratum_agent_`. Served over plain HTTP at /metrics on --metrics-listen, apart from the mTLS gRPC port.
import diagnostics from 'node:diagnostics_channel';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { EVENT_LOOP_SAMPLE_MS } from '../common/constants.ts';
import { COMMAND_CHANNEL, type CommandFinished } from '../common/exec.ts';
import { listenAddress, metricsReply, serveHttp, type HttpEndpoint } from '../common/http-endpoint.ts';

// Commands run from milliseconds (lvs) to minutes (mkfs of a large disk, a DRBD attach).
const COMMAND_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The histogram of the agent's system commands, by `command` and `result`. */
export const COMMAND_METRIC = 'stratum_agent_command_duration_seconds';

export class AgentMetrics {
  readonly registry = new Registry();
  readonly commandDuration: Histogram<'command' | 'result'>;
  /** 1 once the kubelet reports the CSI driver registered, 0 before and after a refusal; absent without registration. */
  readonly kubeletRegistered?: Gauge;
  private readonly onCommand = (message: unknown) => {
    const m = message as CommandFinished;
    this.commandDuration.observe({ command: m.command, result: m.ok ? 'success' : 'error' }, m.seconds);
  };

  constructor(node: string, opts: { readonly kubeletRegistration?: boolean } = {}) {
    this.registry.setDefaultLabels({ node });
    this.commandDuration = new Histogram({
      name: COMMAND_METRIC,
      help: 'Duration of the system commands the agent runs (lvcreate, drbdadm, mkfs.ext4, …) by command and result (success, error).',
      labelNames: ['command', 'result'],
      buckets: COMMAND_BUCKETS,
      registers: [this.registry],
    });
    // Only where the agent registers with a kubelet: one without (tests, the lab) would read as refused.
    if (opts.kubeletRegistration) {
      this.kubeletRegistered = new Gauge({
        name: 'stratum_agent_kubelet_registered',
        help: '1 while the kubelet has the CSI driver registered on this node (its last NotifyRegistrationStatus said so), else 0.',
        registers: [this.registry],
      });
    }
    collectDefaultMetrics({ register: this.registry, prefix: 'stratum_agent_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    diagnostics.subscribe(COMMAND_CHANNEL.name, this.onCommand);
  }

  close(): void {
    diagnostics.unsubscribe(COMMAND_CHANNEL.name, this.onCommand);
  }
}

/** Serves `registry` at /metrics on `listen` (host:port; port 0 picks a free one). */
export async function serveMetrics(listen: string, registry: Registry): Promise<HttpEndpoint> {
  return serveHttp(listenAddress(listen, 'metrics'), (path) => (path === '/metrics' ? metricsReply(registry) : undefined), {
    code: 404,
    body: 'not found: the agent serves GET /metrics\n',
  });
}
