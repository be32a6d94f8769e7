// The lab's VMs as a Kubernetes cluster: the shared control plane with the Stratum CRDs, one Node
// per VM and an agent Pod whose Pod IP and port are the VM's loopback forward (agents are
// verified by the node name in their certificate, not by address), and the operator as a real
// process on the host.
// `teardown()` removes every object it made, also after a failed test; the VMs belong to the Lab.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { AGENT_GRPC_PORT_NAME, TOPOLOGY_KEY } from '../../src/common/constants.ts';
import type { KubeClient, KubeObject } from '../../src/operator/runtime/kube/client.ts';
import { LOCAL_DISKS } from '../../src/operator/resources.ts';
import { cleanupAll } from '../helpers/cleanup.ts';
import { ClusterObjects, clientWithStratumCrds } from '../helpers/cluster-objects.ts';
import { OperatorProcess, type OperatorProcessOptions } from '../helpers/operator-process.ts';
import { connectToSharedControlPlane } from '../rig/connect.ts';
import { Kubelet } from '../rig/kubelet.ts';
import { createNamespace, deleteNamespace, suffix } from '../operator/support.ts';
import type { Lab } from './lab.ts';
import type { LabNode } from './lab-node.ts';

export class LabCluster extends ClusterObjects {
  operator?: OperatorProcess;
  private readonly pods = new Map<string, string>();

  private constructor(
    readonly lab: Lab,
    client: KubeClient,
    readonly kubeconfig: string,
    readonly kubelet: Kubelet,
    namespace: string,
  ) {
    super(client, namespace);
  }

  static async start(lab: Lab): Promise<LabCluster> {
    const rig = connectToSharedControlPlane();
    const kc = rig.kubeConfig();
    const client = await clientWithStratumCrds(kc, rig.kubeconfigPath);
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

  /** LocalDisks of the lab's nodes. */
  async localDisks<T extends KubeObject>(): Promise<T[]> {
    const names = new Set(this.lab.nodes.map((n) => n.name));
    return (await this.list<T>(LOCAL_DISKS)).filter((d) => names.has((d as unknown as { spec: { nodeName: string } }).spec.nodeName));
  }

  async teardown(): Promise<void> {
    try {
      await cleanupAll('lab cluster teardown failed', [
        async () => this.operator?.stop(),
        async () => {
          if (this.operator) await copyFile(this.operator.proc.logFile, path.join(this.lab.logDir, 'operator.log'));
        },
        // No operator runs now: release the finalizers it held, then delete what this test made.
        ...this.removalSteps(),
        async () => {
          for (const d of await this.localDisks()) await this.delete(LOCAL_DISKS, d.metadata.name!);
        },
        ...this.lab.nodes.map((n) => () => this.kubelet.removeNode(n.name)),
        () => this.kubelet.stop(),
        () => deleteNamespace(this.client, this.namespace),
      ]);
    } finally {
      this.client.close();
    }
  }
}
