// Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics. Acquire and
// renew are read-modify-write with the Lease's resourceVersion (a concurrent writer gets 409 and
// loses the round). Expiry of someone else's lease is judged by when *we* saw its record change,
// never by comparing clocks. A leader that has not renewed for renewDeadline stops leading at
// once ("lost") — before leaseDuration runs out, so nobody takes over while it still writes.
// release() (on SIGTERM) stops leading first, then clears holderIdentity so a standby takes over now.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Subject, type Observable } from 'rxjs';
import { createLogger, type Logger } from '../../common/log.ts';
import { sleep } from './backoff.ts';
import { isConflict, isNotFound, resourcePath, type KubeClient, type KubeObject, type ResourceType } from './kube/client.ts';
import { sharedMetrics, type OperatorMetrics } from './metrics.ts';

export interface LeaderElectionOptions {
  readonly namespace: string;
  /** Name of the Lease. */
  readonly name: string;
  /** This process's identity in the Lease. @default `${hostname}_${random hex}` */
  readonly identity?: string;
  /** How long a lease is valid after its last renewal; whole seconds (the Lease stores seconds). @default 15_000 */
  readonly leaseDurationMs?: number;
  /** A leader that has not renewed for this long stops leading. @default 10_000 */
  readonly renewDeadlineMs?: number;
  /** Time between acquire/renew attempts. @default 2_000 */
  readonly retryPeriodMs?: number;
  readonly log?: Logger;
  readonly metrics?: OperatorMetrics;
}

export type LeaderEvent = { readonly type: 'started' } | { readonly type: 'stopped'; readonly reason: 'lost' | 'released' | 'stopped' };

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

const LEASES: ResourceType = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases', namespaced: true };
/** RFC 3339 with microseconds, as Lease's MicroTime fields require. */
const microTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaderElector {
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  private readonly path: string;
  private readonly log: Logger;
  private readonly metrics: OperatorMetrics;
  private readonly subject = new Subject<LeaderEvent>();
  private observedVersion: string | undefined;
  private observedAt = 0;
  private leading = false;
  private loop: { abort: AbortController; done: Promise<void> } | undefined;

  /** started / stopped leading. */
  readonly events$: Observable<LeaderEvent> = this.subject.asObservable();

  constructor(
    private readonly client: Pick<KubeClient, 'request'>,
    private readonly opts: LeaderElectionOptions,
  ) {
    this.identity = opts.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`;
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    if (this.leaseDurationMs % 1000 !== 0 || this.leaseDurationMs < 1000)
      throw new Error(`leaseDurationMs must be whole seconds, got ${this.leaseDurationMs}`);
    if (!(this.renewDeadlineMs < this.leaseDurationMs))
      throw new Error(`renewDeadlineMs (${this.renewDeadlineMs}) must be less than leaseDurationMs (${this.leaseDurationMs})`);
    if (!(this.retryPeriodMs > 0 && this.retryPeriodMs * 1.2 < this.renewDeadlineMs))
      throw new Error(`retryPeriodMs (${this.retryPeriodMs}) ×1.2 must be less than renewDeadlineMs (${this.renewDeadlineMs})`);
    this.path = resourcePath(LEASES, opts.namespace, opts.name);
    this.log = (opts.log ?? createLogger('leader')).child({ lease: `${opts.namespace}/${opts.name}`, identity: this.identity });
    this.metrics = opts.metrics ?? sharedMetrics();
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns until leading, then renews until lost, released or stopped. */
  start(): void {
    if (this.loop) throw new Error(`leader elector for ${this.path} already started`);
    const abort = new AbortController();
    this.loop = { abort, done: this.campaign(abort.signal) };
  }

  /** Stops campaigning and renewing without touching the Lease (it expires on its own). */
  async stop(): Promise<void> {
    await this.halt('stopped');
  }

  /** Stops leading, then hands the Lease back (empty holderIdentity) so a standby takes over at once. */
  async release(): Promise<void> {
    const wasLeading = this.leading;
    await this.halt('released');
    if (!wasLeading) return;
    try {
      const lease = await this.client.request<Lease>('GET', this.path, { timeoutMs: 5_000 });
      if (lease.spec?.holderIdentity !== this.identity) return;
      const now = microTime(new Date());
      await this.client.request('PUT', this.path, {
        body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now } },
        timeoutMs: 5_000,
      });
      this.log.info('lease released');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cannot release the lease: it will expire instead');
    }
  }

  /**
   * Stops on the first of `signals`: runs `before` while still leading (e.g. stop the controllers,
   * so the next leader never runs beside them), releases the lease, then calls `then` (e.g. exit).
   */
  releaseOn(signals: readonly NodeJS.Signals[], then: () => void, before: () => Promise<void> = async () => undefined): () => void {
    const handler = () => {
      dispose();
      void (async () => {
        try {
          await before();
        } catch (err) {
          this.log.error({ err: (err as Error).message }, 'stopping before the lease release failed');
        }
        await this.release();
      })().finally(then);
    };
    const dispose = () =>
      signals.forEach((s) => {
        process.off(s, handler);
      });
    signals.forEach((s) => {
      process.once(s, handler);
    });
    return dispose;
  }

  private async halt(reason: 'released' | 'stopped'): Promise<void> {
    const loop = this.loop;
    this.loop = undefined;
    loop?.abort.abort();
    this.setLeading(false, reason);
    await loop?.done;
  }

  private async campaign(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && !(await this.tryAcquireOrRenew(signal))) {
      await sleep(this.retryPeriodMs * (1 + 0.2 * Math.random()), signal);
    }
    if (signal.aborted) return;
    this.setLeading(true);
    await this.renewUntilLost(signal);
  }

  private async renewUntilLost(signal: AbortSignal): Promise<void> {
    const term = new AbortController();
    const both = AbortSignal.any([signal, term.signal]);
    const expire = () => setTimeout(() => term.abort(), this.renewDeadlineMs);
    let deadline = expire();
    try {
      while (!both.aborted) {
        await sleep(this.retryPeriodMs, both);
        if (both.aborted) break;
        const attemptStart = Date.now();
        if (await this.tryAcquireOrRenew(both)) {
          clearTimeout(deadline);
          // Measured from the attempt's start: the Lease's renewTime is no later than that.
          deadline = setTimeout(() => term.abort(), Math.max(0, attemptStart + this.renewDeadlineMs - Date.now()));
        }
      }
    } finally {
      clearTimeout(deadline);
    }
    if (!signal.aborted) {
      this.log.error({ renewDeadlineMs: this.renewDeadlineMs }, 'lease not renewed within the renew deadline: leadership lost');
      this.loop = undefined;
      this.setLeading(false, 'lost');
    }
  }

  /** One round: create the Lease, take it over if expired, or renew it if ours. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = new Date();
    const spec: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.leaseDurationMs / 1000,
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    try {
      let lease: Lease;
      try {
        lease = await this.client.request<Lease>('GET', this.path, { signal, timeoutMs: this.renewDeadlineMs });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        const created = await this.client.request<Lease>('POST', this.path.slice(0, this.path.lastIndexOf('/')), {
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.opts.name, namespace: this.opts.namespace },
            spec,
          },
          signal,
          timeoutMs: this.renewDeadlineMs,
        });
        this.observe(created, Date.now());
        return true;
      }
      const old = lease.spec ?? {};
      this.observe(lease, Date.now());
      const validForMs = (old.leaseDurationSeconds ?? this.leaseDurationMs / 1000) * 1000;
      if (old.holderIdentity && old.holderIdentity !== this.identity && this.observedAt + validForMs > Date.now()) return false;
      if (old.holderIdentity === this.identity) {
        spec.acquireTime = old.acquireTime;
        spec.leaseTransitions = old.leaseTransitions ?? 0;
      } else {
        spec.leaseTransitions = (old.leaseTransitions ?? 0) + 1;
      }
      const updated = await this.client.request<Lease>('PUT', this.path, {
        body: { ...lease, spec },
        signal,
        timeoutMs: this.renewDeadlineMs,
      });
      this.observe(updated, Date.now());
      return true;
    } catch (err) {
      if (!signal.aborted && !isConflict(err)) this.log.warn({ err: (err as Error).message }, 'cannot acquire or renew the lease');
      return false;
    }
  }

  private observe(lease: Lease, at: number): void {
    if (lease.metadata.resourceVersion === this.observedVersion) return;
    this.observedVersion = lease.metadata.resourceVersion;
    this.observedAt = at;
  }

  private setLeading(leading: boolean, reason?: 'lost' | 'released' | 'stopped'): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.metrics.leader.set({ lease: `${this.opts.namespace}/${this.opts.name}` }, leading ? 1 : 0);
    this.log.info({ leading, reason }, leading ? 'started leading' : 'stopped leading');
    this.subject.next(leading ? { type: 'started' } : { type: 'stopped', reason: reason ?? 'stopped' });
  }
}
