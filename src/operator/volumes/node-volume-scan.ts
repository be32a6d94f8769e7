// One ListVolumes per node, on a steady interval and whenever an agent becomes reachable, handed to
// every consumer: the orphan report (LVs and disks that belong to no volume), the presence check
// (replicas whose LV or disk vanished) and the filesystem report (what each mounted volume's
// filesystem measures). One call serves both, so the agents are
// asked once per interval however many reports read the answer.
import type { Subscription } from 'rxjs';
import type { Logger } from '../../common/log.ts';
import type { Volume__Output } from '../../agent-api/generated/stratum/agent/v1/Volume.ts';
import type { AgentRegistry } from '../agents/registry.ts';

export const DEFAULT_VOLUME_SCAN_MS = 60_000;

export interface VolumeListingConsumer {
  /**
   * What the node's agent listed, asked at `listedAt` (ms); an unreachable agent is not scanned, so
   * consumers keep their last finding.
   */
  consume(node: string, volumes: readonly Volume__Output[], listedAt: number): Promise<void>;
}

export interface NodeVolumeScanDeps {
  readonly registry: AgentRegistry;
  readonly consumers: readonly VolumeListingConsumer[];
  readonly log: Logger;
  readonly intervalMs?: number;
}

export class NodeVolumeScan {
  private timer: NodeJS.Timeout | undefined;
  private subscription: Subscription | undefined;
  private readonly running = new Set<string>();

  constructor(private readonly deps: NodeVolumeScanDeps) {}

  start(): void {
    this.timer = setInterval(() => this.scanAll(), this.deps.intervalMs ?? DEFAULT_VOLUME_SCAN_MS);
    this.timer.unref();
    this.subscription = this.deps.registry.changes$.subscribe((node) => {
      if (this.deps.registry.state(node).connected) void this.scan(node);
    });
    this.scanAll();
  }

  stop(): void {
    clearInterval(this.timer);
    this.subscription?.unsubscribe();
  }

  private scanAll(): void {
    for (const node of this.deps.registry.nodes()) void this.scan(node);
  }

  /** At most one scan of a node at a time; a failed call or consumer is logged and the next interval tries again. */
  async scan(node: string): Promise<void> {
    if (this.running.has(node)) return;
    this.running.add(node);
    try {
      const listedAt = Date.now();
      const { volumes } = await this.deps.registry.call(node, 'ListVolumes', { pool: '' });
      for (const c of this.deps.consumers)
        await c
          .consume(node, volumes, listedAt)
          .catch((err: Error) => this.deps.log.warn({ node, err: err.message }, 'volume scan report failed'));
    } catch (err) {
      this.deps.log.debug({ node, err: (err as Error).message }, 'volume scan skipped');
    } finally {
      this.running.delete(node);
    }
  }
}
