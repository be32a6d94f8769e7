// What DRBD each node can replicate with, from its agent's GetNodeInfo, remembered for a while: a
// node's DRBD changes only when someone installs or loads a module. A node whose agent cannot be
// asked is unknown (undefined), never taken as "no DRBD".
import type { AgentRegistry } from './registry.ts';
import { compareNames } from '../../common/compare.ts';

export interface NodeDrbd {
  /** e.g. "8.4.11"; empty without DRBD. */
  readonly version: string;
  /** 2 for DRBD 8.4, 3 for DRBD 9, 0 without DRBD. */
  readonly maxReplicas: number;
}

/** How long a node's answer is trusted. @default 60 s */
const TTL_MS = 60_000;

export class DrbdSupport {
  private readonly known = new Map<string, { at: number; drbd: NodeDrbd }>();

  constructor(
    private readonly registry: Pick<AgentRegistry, 'call'>,
    private readonly ttlMs = TTL_MS,
  ) {}

  async of(node: string): Promise<NodeDrbd | undefined> {
    const hit = this.known.get(node);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.drbd;
    try {
      const info = await this.registry.call(node, 'GetNodeInfo', {});
      const drbd = { version: info.drbdVersion, maxReplicas: info.drbdMaxReplicas };
      this.known.set(node, { at: Date.now(), drbd });
      return drbd;
    } catch {
      return hit?.drbd;
    }
  }

  async ofAll(nodes: readonly string[]): Promise<Map<string, NodeDrbd>> {
    const out = new Map<string, NodeDrbd>();
    for (const [node, drbd] of await Promise.all(nodes.map(async (n) => [n, await this.of(n)] as const))) if (drbd) out.set(node, drbd);
    return out;
  }
}

/**
 * Why `replicas` copies cannot be replicated across these nodes, naming each node that falls
 * short and what it needs; undefined when every known node can take part.
 */
export function replicationRefusal(replicas: number, nodes: ReadonlyMap<string, NodeDrbd>): string | undefined {
  if (replicas < 2) return undefined;
  const short = [...nodes].filter(([, d]) => d.maxReplicas < replicas).sort(([a], [b]) => compareNames(a, b));
  if (!short.length) return undefined;
  const what = short.map(([node, d]) =>
    d.maxReplicas === 0
      ? `node ${node} has no DRBD (install drbd-utils and load a DRBD kernel module: the kernel's own drbd module gives 2 replicas, DRBD 9 gives 3)`
      : `node ${node} has DRBD ${d.version}, which connects ${d.maxReplicas} replicas at most (install DRBD 9 for 3)`,
  );
  return `${replicas} replicas need DRBD on every replica's node${replicas > 2 ? ' and DRBD 9 for more than 2' : ''}: ${what.join('; ')}`;
}

/** The most replicas a resource over these nodes can have at once (DRBD 9's three where nothing is known). */
export function membersAllowed(nodes: ReadonlyMap<string, NodeDrbd>): number {
  return Math.min(3, ...[...nodes.values()].map((d) => d.maxReplicas).filter((n) => n > 0));
}
