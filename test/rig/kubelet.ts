// Plays kubelet for tests: registers Nodes (Ready, addresses on 127.0.0.x), keeps their Leases
// in kube-node-lease renewed, and runs agent Pods — bound to a node, then reported Running and
// Ready with a Pod IP on loopback through the status subresource — so the operator discovers
// agents exactly as in a cluster. Nothing runs in those Pods: the test starts the agent itself.
import {
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Container,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import { AGENT_GRPC_PORT, AGENT_GRPC_PORT_NAME, AGENT_POD_LABELS } from '../../src/common/constants.ts';
import { ignoreNotFound, statusCode } from './api-errors.ts';

const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface NodeOptions {
  readonly name: string;
  /** The node's InternalIP, on 127.0.0.0/8. */
  readonly address: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** @default { cpu: '4', memory: '8Gi', pods: '110' } */
  readonly capacity?: Readonly<Record<string, string>>;
}

export interface PodOptions {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  /** @default the agent Pod labels (AGENT_POD_LABELS) */
  readonly labels?: Readonly<Record<string, string>>;
  /** @default one `agent` container with the named port `grpc` (AGENT_GRPC_PORT) */
  readonly containers?: readonly V1Container[];
  /** @default the node's address (agents use the host network) */
  readonly podIP?: string;
  /** @default 'default' */
  readonly serviceAccountName?: string;
}

export interface KubeletOptions {
  /** How often each node's Lease is renewed. @default 10_000 (kubelet's own default) */
  readonly leaseRenewMs?: number;
  /** @default 40 (kubelet's default node-monitor grace) */
  readonly leaseDurationSeconds?: number;
}

export class Kubelet {
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly nodes = new Map<string, NodeOptions>();
  private readonly timer: NodeJS.Timeout;
  private renewing?: Promise<void>;
  private lastRenewError?: Error;

  constructor(
    kc: KubeConfig,
    private readonly opts: KubeletOptions = {},
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.coordination = kc.makeApiClient(CoordinationV1Api);
    this.timer = setInterval(() => {
      this.renewing ??= this.renewLeases().finally(() => {
        this.renewing = undefined;
      });
    }, opts.leaseRenewMs ?? 10_000);
    this.timer.unref();
  }

  /** The last failed lease renewal, if any (renewal runs in the background). */
  get renewError(): Error | undefined {
    return this.lastRenewError;
  }

  /**
   * Creates the Node and its Lease and reports it Ready. The API server's TaintNodesByCondition
   * admission gives it the not-ready NoSchedule taint, which only kube-controller-manager's
   * node-lifecycle controller removes (Pods from runPod are bound by name and do not care).
   */
  async addNode(node: NodeOptions): Promise<V1Node> {
    await this.core.createNode({
      body: {
        metadata: { name: node.name, labels: { 'kubernetes.io/hostname': node.name, 'kubernetes.io/os': 'linux', ...node.labels } },
      },
    });
    this.nodes.set(node.name, node);
    await this.coordination.createNamespacedLease({
      namespace: NODE_LEASE_NAMESPACE,
      body: {
        metadata: { name: node.name },
        spec: { holderIdentity: node.name, leaseDurationSeconds: this.opts.leaseDurationSeconds ?? 40 },
      },
    });
    await this.renewLease(node.name);
    const capacity = node.capacity ?? { cpu: '4', memory: '8Gi', pods: '110' };
    const now = new Date().toISOString();
    return this.core.patchNodeStatus(
      {
        name: node.name,
        body: {
          status: {
            capacity,
            allocatable: capacity,
            addresses: [
              { type: 'InternalIP', address: node.address },
              { type: 'Hostname', address: node.name },
            ],
            conditions: [
              {
                type: 'Ready',
                status: 'True',
                reason: 'KubeletReady',
                message: 'kubelet is posting ready status (played by the test rig)',
                lastHeartbeatTime: now,
                lastTransitionTime: now,
              },
            ],
            nodeInfo: {
              architecture: 'amd64',
              operatingSystem: 'linux',
              kubeletVersion: 'v0.0.0-rig',
              kubeProxyVersion: '',
              containerRuntimeVersion: 'rig://0',
              kernelVersion: '',
              osImage: 'rig',
              machineID: '',
              systemUUID: '',
              bootID: '',
            },
          },
        },
      },
      MERGE_PATCH,
    );
  }

  /** Stops renewing the node's Lease and deletes the Node and its Lease. */
  async removeNode(name: string): Promise<void> {
    this.nodes.delete(name);
    await ignoreNotFound(this.coordination.deleteNamespacedLease({ namespace: NODE_LEASE_NAMESPACE, name }));
    await ignoreNotFound(this.core.deleteNode({ name }));
  }

  /** Creates the Pod bound to its node and reports it Running and Ready with its Pod IP. */
  async runPod(pod: PodOptions): Promise<V1Pod> {
    const node = this.nodes.get(pod.node);
    if (!node) throw new Error(`cannot run pod ${pod.namespace}/${pod.name}: node ${pod.node} was not added to this kubelet`);
    const serviceAccountName = pod.serviceAccountName ?? 'default';
    await this.ensureServiceAccount(pod.namespace, serviceAccountName);
    const containers = pod.containers ?? [
      {
        name: 'agent',
        image: 'stratum/agent:rig',
        ports: [{ name: AGENT_GRPC_PORT_NAME, containerPort: AGENT_GRPC_PORT, protocol: 'TCP' }],
      },
    ];
    await this.core.createNamespacedPod({
      namespace: pod.namespace,
      body: {
        metadata: { name: pod.name, labels: { ...(pod.labels ?? AGENT_POD_LABELS) } },
        spec: { nodeName: pod.node, serviceAccountName, containers: [...containers] },
      },
    });
    const podIP = pod.podIP ?? node.address;
    const now = new Date().toISOString();
    const condition = (type: string) => ({ type, status: 'True', lastTransitionTime: now });
    return this.core.patchNamespacedPodStatus(
      {
        namespace: pod.namespace,
        name: pod.name,
        body: {
          status: {
            phase: 'Running',
            hostIP: node.address,
            hostIPs: [{ ip: node.address }],
            podIP,
            podIPs: [{ ip: podIP }],
            startTime: now,
            conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map(condition),
            containerStatuses: containers.map((c) => ({
              name: c.name,
              image: c.image ?? '',
              imageID: '',
              ready: true,
              started: true,
              restartCount: 0,
              state: { running: { startedAt: now } },
            })),
          },
        },
      },
      MERGE_PATCH,
    );
  }

  /** Flips the Pod's Ready and ContainersReady conditions (an agent failing its readiness probe, or recovering). */
  async setPodReady(namespace: string, name: string, ready: boolean): Promise<V1Pod> {
    const pod = await this.core.readNamespacedPodStatus({ namespace, name });
    const status = ready ? 'True' : 'False';
    const now = new Date().toISOString();
    const conditions = (pod.status?.conditions ?? []).map((c) =>
      c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status, lastTransitionTime: now } : c,
    );
    const containerStatuses = (pod.status?.containerStatuses ?? []).map((c) => ({ ...c, ready }));
    return this.core.patchNamespacedPodStatus({ namespace, name, body: { status: { conditions, containerStatuses } } }, MERGE_PATCH);
  }

  /** Deletes the Pod at once: there is no real kubelet to confirm a graceful deletion. */
  async deletePod(namespace: string, name: string): Promise<void> {
    await ignoreNotFound(this.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 }));
  }

  /** Stops renewing leases (the nodes then go NotReady under a node-lifecycle controller). Objects stay. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
  }

  private async renewLeases(): Promise<void> {
    for (const name of this.nodes.keys()) {
      try {
        await this.renewLease(name);
      } catch (err) {
        this.lastRenewError = new Error(`renewing the lease of node ${name}: ${(err as Error).message}`, { cause: err });
      }
    }
  }

  private async renewLease(name: string): Promise<void> {
    // The Lease type's renewTime is a MicroTime: the API server wants six fractional digits,
    // which a JSON Date (milliseconds) does not give, so it goes as a preformatted string.
    const renewTime = new Date().toISOString().replace(/Z$/, '000Z');
    await this.coordination.patchNamespacedLease(
      { namespace: NODE_LEASE_NAMESPACE, name, body: { spec: { holderIdentity: name, renewTime } } },
      MERGE_PATCH,
    );
  }

  /** What the service-account controller would have done; the shared plane runs no controller-manager. */
  private async ensureServiceAccount(namespace: string, name: string): Promise<void> {
    try {
      await this.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
    } catch (err) {
      if (statusCode(err) !== 409) throw err;
    }
  }
}
