// What each agent says about its disks, kept current: on (re)connect a ListDisks snapshot, then
// the WatchDisks stream. A node whose snapshot is complete can say a disk is gone (Missing);
// a node whose agent is unreachable says nothing (its disks keep their last state). Every change
// names the LocalDisks to reconcile.
import type * as grpc from '@grpc/grpc-js';
import { Subject, type Observable, type Subscription } from 'rxjs';
import type { Disk__Output as Disk } from '../../agent-api/generated/stratum/agent/v1/Disk.ts';
import type { DiskEvent__Output as DiskEvent } from '../../agent-api/generated/stratum/agent/v1/DiskEvent.ts';
import { createLogger, type Logger } from '../../common/log.ts';
import type { AgentRegistry } from '../agents/registry.ts';
import { backoffDelay, sleep, type BackoffOptions } from '../runtime/backoff.ts';
import { localDiskName } from './localdisk-mapping.ts';

export interface Observation {
  readonly node: string;
  readonly disk: Disk | undefined;
  /** The node's agent answered and its picture is complete. */
  readonly authoritative: boolean;
}

export interface ClusterDiskInventoryOptions {
  /** Reconnect backoff per node. @default { baseMs: 500, capMs: 30_000, jitter: 0.3 } */
  readonly backoff?: BackoffOptions;
  readonly log?: Logger;
}

interface NodeStream {
  readonly abort: AbortController;
  readonly done: Promise<void>;
}

export class ClusterDiskInventory {
  /** Per node: the last snapshot plus the changes since, by LocalDisk name; `complete` once a
   *  snapshot arrived since the last (re)connect, so that absence means Missing. */
  private readonly nodes = new Map<string, { disks: Map<string, Disk>; complete: boolean }>();
  /** LocalDisk name → node, for disks ever seen (so a gone disk still maps to its node). */
  private readonly owners = new Map<string, string>();
  private readonly streams = new Map<string, NodeStream>();
  private readonly changed = new Subject<string>();
  private subscription: Subscription | undefined;
  private readonly log: Logger;

  /** Names of LocalDisks whose observation changed. */
  readonly changes$: Observable<string> = this.changed.asObservable();

  constructor(
    private readonly registry: AgentRegistry,
    private readonly opts: ClusterDiskInventoryOptions = {},
  ) {
    this.log = (opts.log ?? createLogger('operator')).child({ component: 'disk-inventory' });
  }

  start(): void {
    this.subscription ??= this.registry.changes$.subscribe((node) => this.sync(node));
    for (const node of this.registry.nodes()) this.sync(node);
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    const running = [...this.streams.values()];
    this.streams.clear();
    running.forEach((s) => {
      s.abort.abort();
    });
    await Promise.all(running.map((s) => s.done));
  }

  observe(name: string): Observation | undefined {
    const node = this.owners.get(name);
    if (!node) return undefined;
    const state = this.nodes.get(node);
    return { node, disk: state?.disks.get(name), authoritative: Boolean(state?.complete) };
  }

  /** Starts a stream for a node with an agent, stops it for a node without one. */
  private sync(node: string): void {
    const hasAgent = this.registry.endpoint(node) !== undefined;
    const stream = this.streams.get(node);
    if (hasAgent && !stream) {
      const abort = new AbortController();
      this.streams.set(node, { abort, done: this.follow(node, abort.signal) });
    } else if (!hasAgent && stream) {
      this.streams.delete(node);
      stream.abort.abort();
      this.markIncomplete(node);
    }
  }

  /** Snapshot, then stream; on any failure mark the node incomplete and retry with backoff. */
  private async follow(node: string, signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      try {
        const { disks } = await this.registry.call(node, 'ListDisks', {});
        this.replace(node, disks);
        attempt = 0;
        await this.stream(node, signal);
      } catch (err) {
        if (signal.aborted) break;
        this.log.warn({ node, err: (err as Error).message }, 'disk watch interrupted: retrying');
      }
      this.markIncomplete(node);
      await sleep(backoffDelay(attempt++, this.opts.backoff ?? { baseMs: 500, capMs: 30_000, jitter: 0.3 }), signal);
    }
  }

  private stream(node: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const call: grpc.ClientReadableStream<DiskEvent> = this.registry.watchDisks(node);
      const cancel = () => call.cancel();
      signal.addEventListener('abort', cancel, { once: true });
      call.on('data', (ev: DiskEvent) => {
        if (ev.disk) this.apply(node, ev);
      });
      call.on('error', (err: grpc.ServiceError) => {
        signal.removeEventListener('abort', cancel);
        if (!signal.aborted) this.registry.noteStreamResult(node, err);
        reject(err);
      });
      call.on('end', () => {
        signal.removeEventListener('abort', cancel);
        resolve();
      });
    });
  }

  private replace(node: string, disks: readonly Disk[]): void {
    const next = new Map(disks.map((d) => [localDiskName(node, d.id), d]));
    const prev = this.nodes.get(node);
    this.nodes.set(node, { disks: next, complete: true });
    const names = new Set([...next.keys(), ...(prev?.disks.keys() ?? [])]);
    for (const [name, owner] of this.owners) if (owner === node) names.add(name);
    for (const name of names) {
      this.owners.set(name, node);
      this.changed.next(name);
    }
  }

  private apply(node: string, ev: DiskEvent): void {
    const state = this.nodes.get(node);
    if (!state || !ev.disk) return;
    const name = localDiskName(node, ev.disk.id);
    if (ev.type === 'REMOVED') state.disks.delete(name);
    else state.disks.set(name, ev.disk);
    this.owners.set(name, node);
    this.changed.next(name);
  }

  private markIncomplete(node: string): void {
    const state = this.nodes.get(node);
    if (!state?.complete) return;
    state.complete = false;
    for (const name of state.disks.keys()) this.changed.next(name);
  }
}
