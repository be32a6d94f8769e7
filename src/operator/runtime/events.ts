// Kubernetes Events (core v1) about the objects the operator manages. A repeat of an identical
// event bumps the count of the existing one instead of creating another (as client-go's
// recorder does). Recording never throws into a reconcile: a failed write is logged and counted.
import { createLogger, type Logger } from '../../common/log.ts';
import { isNotFound, resourcePath, type KubeClient, type KubeObject, type ResourceType } from './kube/client.ts';
import { sharedMetrics, type OperatorMetrics } from './metrics.ts';

const EVENTS: ResourceType = { apiVersion: 'v1', kind: 'Event', plural: 'events', namespaced: true };

export type EventType = 'Normal' | 'Warning';

export interface EventInput {
  readonly type: EventType;
  /** CamelCase, e.g. `PoolCreated`, `AgentUnreachable`. */
  readonly reason: string;
  readonly message: string;
}

export interface EventRecorderOptions {
  /** `source.component` and `reportingComponent`. */
  readonly component: string;
  /** `reportingInstance`, e.g. the pod name. @default the host name */
  readonly instance?: string;
  /**
   * Namespace for events about cluster-scoped objects (all of Stratum's kinds). The API server takes
   * a core/v1 Event without involvedObject.namespace only in `default` (it refuses any other with
   * "does not match event.namespace"); `kubectl describe` searches every namespace and finds it.
   * @default 'default'
   */
  readonly clusterScopedNamespace?: string;
  /** Identical events remembered for count bumps (oldest forgotten first). @default 4096 */
  readonly maxRemembered?: number;
  readonly log?: Logger;
  /** @default the process-wide metrics */
  readonly metrics?: OperatorMetrics;
}

interface Remembered {
  readonly name: string;
  readonly namespace: string;
  count: number;
}

export class EventRecorder {
  private readonly seen = new Map<string, Remembered>();
  private readonly log: Logger;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: EventRecorderOptions,
  ) {
    this.log = (opts.log ?? createLogger('events')).child({ component: opts.component });
  }

  /** Records `ev` about `obj`; resolves once written (or the failure logged and counted), never rejects. */
  async record(obj: KubeObject, ev: EventInput): Promise<void> {
    const { name, namespace, uid } = obj.metadata;
    const key = JSON.stringify([obj.kind, namespace, name, uid, ev.type, ev.reason, ev.message]);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    try {
      const prior = this.seen.get(key);
      if (prior && (await this.bump(prior, now))) return this.remember(key, prior);
      const created = await this.client.request<KubeObject>('POST', resourcePath(EVENTS, this.namespaceFor(obj)), {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { generateName: `${name}.`, namespace: this.namespaceFor(obj) },
          involvedObject: {
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            name,
            namespace,
            uid,
            resourceVersion: obj.metadata.resourceVersion,
          },
          type: ev.type,
          reason: ev.reason,
          message: ev.message,
          count: 1,
          firstTimestamp: now,
          lastTimestamp: now,
          source: { component: this.opts.component },
          reportingComponent: this.opts.component,
          reportingInstance: this.opts.instance ?? process.env.HOSTNAME ?? 'unknown',
        },
      });
      this.remember(key, { name: created.metadata.name!, namespace: created.metadata.namespace!, count: 1 });
    } catch (err) {
      (this.opts.metrics ?? sharedMetrics()).eventWriteFailures.inc({ reason: ev.reason });
      this.log.warn(
        { err: (err as Error).message, object: `${obj.kind}/${namespace ? `${namespace}/` : ''}${name}`, reason: ev.reason },
        'cannot record event',
      );
    }
  }

  /** Bumps the count of a remembered event; false when it expired meanwhile (TTL) and must be re-created. */
  private async bump(prior: Remembered, now: string): Promise<boolean> {
    try {
      await this.client.request('PATCH', resourcePath(EVENTS, prior.namespace, prior.name), {
        patchType: 'merge',
        body: { count: prior.count + 1, lastTimestamp: now },
      });
      prior.count++;
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private remember(key: string, entry: Remembered): void {
    this.seen.delete(key);
    this.seen.set(key, entry);
    const max = this.opts.maxRemembered ?? 4096;
    while (this.seen.size > max) this.seen.delete(this.seen.keys().next().value!);
  }

  private namespaceFor(obj: KubeObject): string {
    return obj.metadata.namespace ?? this.opts.clusterScopedNamespace ?? 'default';
  }
}
