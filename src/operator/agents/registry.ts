// One mTLS gRPC client per node's agent, found by watching the agent DaemonSet's Pods. Every
// call goes through `call()`, which gives it a deadline and records whether the agent answered,
// so reconcilers can say "AgentUnavailable: node-b: …" and /metrics shows each agent's state.
import * as grpc from '@grpc/grpc-js';
import { Subject, type Observable, type Subscription } from 'rxjs';
import { callAgent, createAgentClient, type AgentClient, type ClientIdentity } from '../../agent-api/client.ts';
import type { RequestOf, ResponseOf, UnaryMethod } from '../../common/grpc-unary.ts';
import type { DiskEvent__Output } from '../../agent-api/generated/stratum/agent/v1/DiskEvent.ts';
import { createLogger, type Logger } from '../../common/log.ts';
import type { Informer } from '../runtime/kube/informer.ts';
import { sharedMetrics, type OperatorMetrics } from '../runtime/metrics.ts';
import { agentEndpoint, type AgentEndpoint, type AgentPod } from './endpoint.ts';
import { compareNames } from '../../common/compare.ts';

/** The agent of `node` could not be reached (no pod, not running, or no answer). */
export class AgentUnavailableError extends Error {
  constructor(
    readonly node: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`agent on node ${node} is unavailable: ${detail}`, options);
    this.name = 'AgentUnavailableError';
  }
}

export interface AgentConnectionState {
  readonly connected: boolean;
  /** Why not, when not connected. */
  readonly message: string;
}

interface Entry {
  readonly endpoint: AgentEndpoint;
  readonly client: AgentClient;
  state: AgentConnectionState;
}

export interface AgentRegistryOptions {
  /** The operator's client certificate: files, or a source whose renewals reach new connections. */
  readonly tls: ClientIdentity;
  /** Deadline of a call when the caller gives none. @default 30_000 */
  readonly deadlineMs?: number;
  readonly log?: Logger;
  readonly metrics?: OperatorMetrics;
}

type Method = UnaryMethod<AgentClient>;

// Codes that mean "nobody answered"; every other code is an answer from a live agent.
const UNREACHABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);
// Pings find a dead agent on an idle channel, and so end its WatchDisks stream, within ~40 s.
// Reconnects are tried at least every 10 s (gRPC's own backoff grows to 2 min): an agent back
// after its node rebooted is seen, and its Lost replicas recover, within seconds of answering.
const CHANNEL: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.initial_reconnect_backoff_ms': 1_000,
  'grpc.max_reconnect_backoff_ms': 10_000,
};

export class AgentRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly changes = new Subject<string>();
  private subscription: Subscription | undefined;
  private readonly log: Logger;
  private readonly metrics: OperatorMetrics;

  /** Node names whose agent appeared, moved, went away or changed state. */
  readonly changes$: Observable<string> = this.changes.asObservable();

  constructor(
    private readonly pods: Informer<AgentPod>,
    private readonly opts: AgentRegistryOptions,
  ) {
    this.log = (opts.log ?? createLogger('operator')).child({ component: 'agent-registry' });
    this.metrics = opts.metrics ?? sharedMetrics();
  }

  /** Follows the pod informer (started by its owner). */
  start(): void {
    this.subscription ??= this.pods.events$.subscribe((ev) => {
      const node = ev.object.spec?.nodeName ?? (ev.type === 'update' ? ev.old.spec?.nodeName : undefined);
      if (node) this.refresh(node);
    });
    for (const pod of this.pods.list()) if (pod.spec?.nodeName) this.refresh(pod.spec.nodeName);
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    for (const node of [...this.entries.keys()]) this.drop(node);
  }

  /** Nodes with a running agent pod. */
  nodes(): string[] {
    return [...this.entries.keys()].sort();
  }

  endpoint(node: string): AgentEndpoint | undefined {
    return this.entries.get(node)?.endpoint;
  }

  state(node: string): AgentConnectionState {
    return this.entries.get(node)?.state ?? { connected: false, message: `no running agent pod on node ${node}` };
  }

  /** Calls `method` on the node's agent, cancelled when `signal` aborts. Unreachable → AgentUnavailableError; other failures → the grpc ServiceError. */
  async call<M extends Method>(
    node: string,
    method: M,
    request: RequestOf<AgentClient[M]>,
    deadlineMs = this.opts.deadlineMs ?? 30_000,
    signal?: AbortSignal,
  ): Promise<ResponseOf<AgentClient[M]>> {
    const entry = this.entries.get(node);
    if (!entry) throw new AgentUnavailableError(node, 'no running agent pod on the node');
    const timer = this.metrics.agentCallDuration.startTimer({ node, method });
    try {
      const res = await callAgent(entry.client, method, request, deadlineMs, signal);
      this.record(node, entry, method, grpc.status.OK, { connected: true, message: '' });
      return res;
    } catch (err) {
      const e = err as grpc.ServiceError;
      const code = typeof e.code === 'number' ? e.code : grpc.status.UNKNOWN;
      if (UNREACHABLE.has(code)) {
        this.record(node, entry, method, code, { connected: false, message: `${method}: ${e.details || e.message}` });
        throw new AgentUnavailableError(node, `${entry.endpoint.address}: ${e.details || e.message}`, { cause: err });
      }
      this.record(node, entry, method, code, { connected: true, message: '' });
      throw err;
    } finally {
      timer();
    }
  }

  /** Opens the node's WatchDisks stream (long-lived: no deadline; keepalive finds dead peers). */
  watchDisks(node: string): grpc.ClientReadableStream<DiskEvent__Output> {
    const entry = this.entries.get(node);
    if (!entry) throw new AgentUnavailableError(node, 'no running agent pod on the node');
    return entry.client.WatchDisks({});
  }

  /** A stream's end counts toward the agent's state as a call's outcome does. */
  noteStreamResult(node: string, err: grpc.ServiceError | undefined): void {
    const entry = this.entries.get(node);
    if (!entry) return;
    const code = err && typeof err.code === 'number' ? err.code : grpc.status.OK;
    const reachable = !UNREACHABLE.has(code);
    this.record(node, entry, 'WatchDisks', code, {
      connected: reachable,
      message: reachable ? '' : `WatchDisks: ${err?.details || err?.message}`,
    });
  }

  private record(node: string, entry: Entry, method: string, code: grpc.status, state: AgentConnectionState): void {
    this.metrics.agentCalls.inc({ node, method, code: grpc.status[code] ?? String(code) });
    const changed = entry.state.connected !== state.connected;
    entry.state = state;
    this.metrics.agentConnected.set({ node }, state.connected ? 1 : 0);
    if (changed) {
      this.log.info({ node, connected: state.connected, reason: state.message }, state.connected ? 'agent reachable' : 'agent unreachable');
      this.changes.next(node);
    }
  }

  /** Re-reads which pod serves `node`; replaces the client when the address changed. */
  private refresh(node: string): void {
    const endpoints = this.pods
      .list()
      .filter((p) => p.spec?.nodeName === node)
      .map(agentEndpoint)
      .filter((e): e is AgentEndpoint => Boolean(e));
    // During a rollout two pods may run on a node briefly; keep the current one while it lives.
    const current = this.entries.get(node);
    const next = endpoints.find((e) => e.address === current?.endpoint.address) ?? endpoints.sort((a, b) => compareNames(a.pod, b.pod))[0];
    if (current && next && current.endpoint.address === next.address) return;
    if (current) this.drop(node);
    if (next) {
      const client = createAgentClient(next.address, this.opts.tls, node, CHANNEL);
      this.entries.set(node, { endpoint: next, client, state: { connected: false, message: 'not called yet' } });
      this.log.info({ node, address: next.address, pod: next.pod }, 'agent registered');
    }
    this.changes.next(node);
  }

  private drop(node: string): void {
    const entry = this.entries.get(node);
    if (!entry) return;
    entry.client.close();
    this.entries.delete(node);
    this.metrics.agentConnected.remove({ node });
    this.log.info({ node, address: entry.endpoint.address }, 'agent deregistered');
  }
}
