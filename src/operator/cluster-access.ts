// What every controller that acts on nodes holds: the API server, the agents, and the Event
// recorder through which it tells users what happened.
import type { AgentRegistry } from './agents/registry.ts';
import type { KubeClient } from './runtime/kube/client.ts';
import type { EventRecorder } from './runtime/events.ts';

export interface ClusterAccess {
  readonly client: KubeClient;
  readonly registry: AgentRegistry;
  readonly events: EventRecorder;
}
