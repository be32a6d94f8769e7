// Whether a replica's node still counts: a deleted Node object is gone for good, and a node whose
// agent has not answered for longer than the grace period is lost until it answers again. The
// replicas there turn Lost with this reason, so their volume says plainly that the data is out of
// reach instead of showing the last Ready it saw.
import type { KubeObject } from '../runtime/kube/client.ts';
import type { Informer } from '../runtime/kube/informer.ts';

export const DEFAULT_NODE_LOST_GRACE_MS = 5 * 60_000;

export type NodeVerdict =
  /** The node counts: its agent answers. */
  | { readonly alive: true }
  /** Unreachable, within the grace period: look again after `waitMs`. */
  | { readonly alive: false; readonly waitMs: number }
  /** Gone: NodeDeleted or NodeLost, and why. */
  | { readonly alive: false; readonly reason: 'NodeDeleted' | 'NodeLost'; readonly message: string };

export interface NodeLivenessDeps {
  readonly nodes: Pick<Informer<KubeObject>, 'get'>;
  /** Whether the node's agent answers now, and why not. */
  readonly agent: (node: string) => { readonly connected: boolean; readonly message: string };
  readonly graceMs: number;
  readonly now?: () => number;
}

export class NodeLiveness {
  /** When this operator first saw each node's agent unreachable; forgotten once it answers. */
  private readonly unreachableSince = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly deps: NodeLivenessDeps) {
    this.now = deps.now ?? Date.now;
  }

  verdict(node: string): NodeVerdict {
    if (!this.deps.nodes.get(node))
      return { alive: false, reason: 'NodeDeleted', message: `node ${node} was deleted: the data on it is out of reach for good` };
    const agent = this.deps.agent(node);
    if (agent.connected) {
      this.unreachableSince.delete(node);
      return { alive: true };
    }
    const now = this.now();
    const since = this.unreachableSince.get(node) ?? now;
    this.unreachableSince.set(node, since);
    const left = since + this.deps.graceMs - now;
    if (left > 0) return { alive: false, waitMs: left };
    return {
      alive: false,
      reason: 'NodeLost',
      message: `the agent on node ${node} has not answered since ${new Date(since).toISOString()} (${agent.message || 'unreachable'}), longer than the ${Math.round(this.deps.graceMs / 1000)} s grace period`,
    };
  }
}
