// The lab's VMs as a Kubernetes cluster: the shared control plane with the Stratum CRDs, one Node
// per VM and an agent Pod whose Pod IP and port are the VM's loopback forward (agents are
// verified by the node name in their certificate, not by address), and the operator as a real
// process on the host.
// `teardown()` removes every object it made, also after a failed test; the VMs belong to the Lab.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_GRPC_PORT_NAME, FINALIZER, TOPOLOGY_KEY } from '../../src/common/constants.ts';
import { KubeClient, isNotFound, resourcePath, type KubeObject, type ResourceType } from '../../src/operator/runtime/kube/client.ts';
import { LOCAL_DISKS, LOCAL_VOLUMES, STORAGE_POOLS, VOLUME_REPLICAS } from '../../src/operator/resources.ts';
import { OperatorProcess, type OperatorProcessOptions } from '../helpers/operator-process.ts';
import { connectToSharedControlPlane } from '../rig/connect.ts';
import { Kubelet } from '../rig/kubelet.ts';
import { installCrds } from '../rig/manifests.ts';
import { createNamespace, deleteNamespace, suffix, waitFor } from '../operator/support.ts';
import type { Lab } from './lab.ts';
import type { LabNode } from './lab-node.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export class LabCluster {
  operator?: OperatorProcess;
  private readonly pods = new Map<string, string>();
  private readonly created: { rt: ResourceType; name: string; namespace?: string }[] = [];

  private constructor(
    readonly lab: Lab,
    readonly client: KubeClient,
    readonly kubeconfig: string,
    readonly kubelet: Kubelet,
    readonly namespace: string,
  ) {}

  static async start(lab: Lab): Promise<LabCluster> {
    const rig = connectToSharedControlPlane();
    const kc = rig.kubeConfig();
    await installCrds(kc, rig.kubeconfigPath, path.join(ROOT, 'crds'));
    const client = new KubeClient(kc);
    // Established is not yet servable: the first lists answer 429 while storage initialises.
    for (const rt of [LOCAL_DISKS, STORAGE_POOLS, LOCAL_VOLUMES, VOLUME_REPLICAS]) {
      await waitFor(
        `${rt.plural} to be served`,
        () =>
          client.request('GET', resourcePath(rt), { query: { limit: 1 } }).then(
            () => true,
            () => false,
          ),
        30_000,
        100,
      );
    }
    const cluster = new LabCluster(lab, client, rig.kubeconfigPath, new Kubelet(kc), await createNamespace(client, 'stratum-lab'));
    try {
      for (const node of lab.nodes) {
        await cluster.kubelet.addNode({ name: node.name, address: '127.0.0.1', labels: { [TOPOLOGY_KEY]: node.name } });
        await cluster.runAgentPod(node);
      }
    } catch (err) {
      await cluster.teardown().catch(() => undefined);
      throw err;
    }
    return cluster;
  }

  /** As when a machine leaves the cluster for good: its agent Pod and its Node object are deleted. */
  async removeNode(node: LabNode): Promise<void> {
    const pod = this.pods.get(node.name);
    if (pod) await this.kubelet.deletePod(this.namespace, pod);
    this.pods.delete(node.name);
    await this.kubelet.removeNode(node.name);
  }

  /** (Re)creates the node's agent Pod, as the DaemonSet would: Running, its port the VM's forward. */
  async runAgentPod(node: LabNode): Promise<void> {
    const old = this.pods.get(node.name);
    if (old) await this.kubelet.deletePod(this.namespace, old);
    const pod = `stratum-agent-${node.name}-${suffix()}`;
    this.pods.set(node.name, pod);
    await this.kubelet.runPod({
      namespace: this.namespace,
      name: pod,
      node: node.name,
      podIP: '127.0.0.1',
      containers: [{ name: 'agent', image: 'stratum:lab', ports: [{ name: AGENT_GRPC_PORT_NAME, containerPort: node.agentPort }] }],
    });
  }

  /** `extraArgs`: more operator flags, e.g. its CSI controller endpoint. */
  async startOperator(opts: Pick<OperatorProcessOptions, 'extraArgs' | 'leaseDurationMs'> = {}): Promise<OperatorProcess> {
    await mkdir(this.lab.logDir, { recursive: true });
    this.operator = await OperatorProcess.start({
      name: 'operator',
      kubeconfig: this.kubeconfig,
      namespace: this.namespace,
      tls: this.lab.clientTls,
      dir: this.lab.dir,
      // VMs under software emulation load the host: a 15 s lease can miss its 2.7 s renew deadline
      // while a VM boots, and an operator that loses its lease stops at once (no Deployment here
      // restarts it).
      leaseDurationMs: 60_000,
      ...opts,
    });
    return this.operator;
  }

  /** Creates an object and remembers it for teardown. */
  async create<T extends KubeObject>(rt: ResourceType, obj: T): Promise<T> {
    const ns = rt.namespaced ? (obj.metadata.namespace ?? this.namespace) : undefined;
    const created = await this.client.request<T>('POST', resourcePath(rt, ns), {
      body: { ...obj, metadata: { ...obj.metadata, ...(ns ? { namespace: ns } : {}) } },
    });
    this.created.push({ rt, name: created.metadata.name!, namespace: ns });
    return created;
  }

  async get<T extends KubeObject>(rt: ResourceType, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.client.request<T>('GET', resourcePath(rt, namespace, name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list<T extends KubeObject>(rt: ResourceType, query: Record<string, string> = {}, namespace?: string): Promise<T[]> {
    return (await this.client.request<{ items: T[] }>('GET', resourcePath(rt, namespace), { query })).items;
  }

  async delete(rt: ResourceType, name: string, namespace?: string): Promise<void> {
    await this.client.request('DELETE', resourcePath(rt, namespace, name)).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
  }

  /** LocalDisks of the lab's nodes. */
  async localDisks<T extends KubeObject>(): Promise<T[]> {
    const names = new Set(this.lab.nodes.map((n) => n.name));
    return (await this.list<T>(LOCAL_DISKS)).filter((d) => names.has((d as unknown as { spec: { nodeName: string } }).spec.nodeName));
  }

  async teardown(): Promise<void> {
    const errors: unknown[] = [];
    const attempt = async (f: () => Promise<unknown>) => {
      try {
        await f();
      } catch (err) {
        errors.push(err);
      }
    };
    await attempt(async () => this.operator?.stop());
    await attempt(async () => {
      if (this.operator) await copyFile(this.operator.proc.logFile, path.join(this.lab.logDir, 'operator.log'));
    });
    // No operator runs now: release the finalizers it held, then delete what this test made.
    for (const { rt, name, namespace } of [...this.created].reverse()) {
      await attempt(async () => {
        const obj = await this.get(rt, name, namespace);
        if (!obj) return;
        if (obj.metadata.finalizers?.includes(FINALIZER)) {
          await this.client.request('PATCH', resourcePath(rt, namespace, name), {
            patchType: 'merge',
            body: { metadata: { finalizers: null } },
          });
        }
        await this.delete(rt, name, namespace);
      });
    }
    await attempt(async () => {
      for (const d of await this.localDisks()) await this.delete(LOCAL_DISKS, d.metadata.name!);
    });
    for (const n of this.lab.nodes) await attempt(() => this.kubelet.removeNode(n.name));
    await attempt(() => this.kubelet.stop());
    await attempt(() => deleteNamespace(this.client, this.namespace));
    this.client.close();
    if (errors.length) throw new AggregateError(errors, 'lab cluster teardown failed');
  }
}
