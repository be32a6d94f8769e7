// Where a node's agent answers, read from its DaemonSet Pod as kubelet reports it.
import { AGENT_GRPC_PORT_NAME } from '../../common/constants.ts';
import type { KubeObject } from '../runtime/kube/client.ts';

export interface AgentPod extends KubeObject {
  spec?: { nodeName?: string; containers?: { name: string; ports?: { name?: string; containerPort: number }[] }[] };
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
}

export interface AgentEndpoint {
  readonly node: string;
  /** host:port of the gRPC server (IPv6 in brackets). */
  readonly address: string;
  readonly pod: string;
}

/** The endpoint of a running, scheduled agent pod with an IP and a `grpc` port; else undefined. */
export function agentEndpoint(pod: AgentPod): AgentEndpoint | undefined {
  const node = pod.spec?.nodeName;
  const ip = pod.status?.podIP;
  if (!node || !ip || pod.status?.phase !== 'Running' || pod.metadata.deletionTimestamp) return undefined;
  const port = pod.spec?.containers?.flatMap((c) => c.ports ?? []).find((p) => p.name === AGENT_GRPC_PORT_NAME)?.containerPort;
  if (!port) return undefined;
  return { node, address: ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`, pod: pod.metadata.name ?? '' };
}
