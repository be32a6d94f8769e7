// A small cluster for integration tests: the shared control plane with the Stratum CRDs, real
// agents on loop devices, Nodes and agent Pods played as kubelet would, and the operator as a
// real process. `teardown()` removes everything, also after a failed test.
import { rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { OPERATOR_CLUSTER_RULES, operatorNamespaceRules } from '../../src/manifests/rbac.ts';
import { AGENT_GRPC_PORT_NAME, TOPOLOGY_KEY } from '../../src/common/constants.ts';
import { resourcePath, type KubeClient, type KubeObject, type ResourceType } from '../../src/operator/runtime/kube/client.ts';
import { LOCAL_DISKS, STORAGE_POOLS, VOLUME_REPLICAS } from '../../src/operator/resources.ts';
import type { StoragePool, VolumeReplica } from '../../src/api/index.ts';
import { AgentHarness, type AgentHarnessOptions, type TestAgent } from '../helpers/agent-harness.ts';
import { cleanupAll } from '../helpers/cleanup.ts';
import { ClusterObjects, clientWithStratumCrds } from '../helpers/cluster-objects.ts';
import { OperatorProcess, type OperatorProcessOptions } from '../helpers/operator-process.ts';
import { connectToSharedControlPlane, type SharedRig } from '../rig/connect.ts';
import { registerExitCleanup } from '../rig/exit-cleanup.ts';
import { Kubelet } from '../rig/kubelet.ts';
import { createNamespace, deleteNamespace, suffix, waitFor } from '../operator/support.ts';

export { waitFor, sleep } from '../operator/support.ts';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const RBAC = `${RBAC_GROUP}/v1`;
const SERVICE_ACCOUNTS: ResourceType = { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true };
const CLUSTER_ROLES: ResourceType = { apiVersion: RBAC, kind: 'ClusterRole', plural: 'clusterroles', namespaced: false };
const CLUSTER_ROLE_BINDINGS: ResourceType = {
  apiVersion: RBAC,
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  namespaced: false,
};
const ROLES: ResourceType = { apiVersion: RBAC, kind: 'Role', plural: 'roles', namespaced: true };
const ROLE_BINDINGS: ResourceType = { apiVersion: RBAC, kind: 'RoleBinding', plural: 'rolebindings', namespaced: true };

/** uvu does not print why a hook failed: print it, then fail as before. */
export function reportFailure(hook: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await hook();
    } catch (err) {
      process.stderr.write(`hook failed: ${(err as Error).stack ?? String(err)}\n`);
      throw err;
    }
  };
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ClusterOptions {
  readonly agents: number;
  readonly loopsPerAgent?: number;
  /** More agent harness options (loop size, DRBD namespaces, extra flags). */
  readonly harness?: Omit<AgentHarnessOptions, 'agents' | 'loopsPerAgent'>;
  /** Extra labels per node index. */
  readonly nodeLabels?: (index: number) => Record<string, string>;
  /** Another control plane, e.g. a test's own ControlPlane that it stops and starts. @default the shared one */
  readonly controlPlane?: Pick<SharedRig, 'kubeconfigPath' | 'kubeConfig'>;
}

export interface ClusterNode {
  /** Kubernetes node name (unique per test run). */
  readonly name: string;
  readonly agent: TestAgent;
  pod: string;
}

export class TestCluster extends ClusterObjects {
  readonly nodes: ClusterNode[] = [];
  readonly operators: OperatorProcess[] = [];
  // An interrupted run (Ctrl-C, the runner's timeout) skips teardown(): the directory of operator
  // logs and kubeconfigs still goes (processes and loop devices have their own exit cleanup).
  private readonly unregister = registerExitCleanup({
    run: () => rm(this.dir, { recursive: true, force: true }),
    runSync: () => rmSync(this.dir, { recursive: true, force: true }),
  });

  private constructor(
    client: KubeClient,
    readonly kubeconfig: string,
    readonly kubelet: Kubelet,
    namespace: string,
    readonly harness: AgentHarness,
    readonly dir: string,
    readonly prefix: string,
  ) {
    super(client, namespace);
  }

  static async start(opts: ClusterOptions): Promise<TestCluster> {
    const rig = opts.controlPlane ?? connectToSharedControlPlane();
    const kc = rig.kubeConfig();
    const client = await clientWithStratumCrds(kc, rig.kubeconfigPath);
    const namespace = await createNamespace(client, 'stratum');
    const dir = await mkdtemp(path.join(tmpdir(), 'stratum-it-'));
    const prefix = `it${suffix()}`;
    // Each agent runs under its Node's name, as in a cluster: its certificates name that node.
    const nodeNames = Array.from({ length: opts.agents }, (_, i) => `${prefix}-node-${String.fromCharCode(97 + i)}`);
    const harness = await AgentHarness.start({
      agents: opts.agents,
      loopsPerAgent: opts.loopsPerAgent ?? 2,
      scanIntervalMs: 500,
      nodeNames,
      ...opts.harness,
    });
    const cluster = new TestCluster(client, rig.kubeconfigPath, new Kubelet(kc), namespace, harness, dir, prefix);
    try {
      for (const [i, agent] of harness.agents.entries()) {
        const name = agent.node;
        await cluster.kubelet.addNode({ name, address: agent.host, labels: { [TOPOLOGY_KEY]: name, ...opts.nodeLabels?.(i) } });
        const node: ClusterNode = { name, agent, pod: '' };
        cluster.nodes.push(node);
        await cluster.runAgentPod(node);
      }
    } catch (err) {
      await cluster.teardown();
      throw err;
    }
    return cluster;
  }

  /** (Re)creates the agent's Pod, as the DaemonSet would after a restart: Running, with the agent's port. */
  async runAgentPod(node: ClusterNode): Promise<void> {
    if (node.pod) await this.kubelet.deletePod(this.namespace, node.pod);
    node.pod = `stratum-agent-${node.name}-${suffix()}`;
    const port = Number(node.agent.address.split(':').pop());
    await this.kubelet.runPod({
      namespace: this.namespace,
      name: node.pod,
      node: node.name,
      podIP: node.agent.host,
      containers: [{ name: 'agent', image: 'stratum:test', ports: [{ name: AGENT_GRPC_PORT_NAME, containerPort: port }] }],
    });
  }

  async startOperator(
    name = `operator-${this.operators.length}`,
    extraArgs: readonly string[] = [],
    opts: Pick<OperatorProcessOptions, 'leaseDurationMs' | 'compiled' | 'nodeArgs'> & { readonly kubeconfig?: string } = {},
  ): Promise<OperatorProcess> {
    const tls = this.harness.clientTls;
    if (!('cert' in tls) || !tls.cert || !tls.key) throw new Error("the operator process needs the harness's certificate files");
    const op = await OperatorProcess.start({
      name,
      kubeconfig: this.kubeconfig,
      namespace: this.namespace,
      tls: { ca: tls.ca, cert: tls.cert, key: tls.key },
      dir: this.dir,
      extraArgs,
      ...opts,
    });
    this.operators.push(op);
    return op;
  }

  /**
   * A kubeconfig of the operator's own ServiceAccount, bound to the chart's RBAC rules: the operator
   * as it runs in a cluster — least privilege instead of the rig's system:masters, and a token (the
   * API server verifies it once and caches the result) instead of a client certificate (verified
   * on every request).
   */
  async operatorAccountKubeconfig(): Promise<string> {
    const name = `${this.prefix}-operator`;
    const subjects = [{ kind: 'ServiceAccount', name, namespace: this.namespace }];
    await this.create(SERVICE_ACCOUNTS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
    await this.create(CLUSTER_ROLES, {
      apiVersion: RBAC,
      kind: 'ClusterRole',
      metadata: { name },
      rules: OPERATOR_CLUSTER_RULES,
    } as KubeObject);
    const roleRef = (kind: string) => ({ apiGroup: RBAC_GROUP, kind, name });
    await this.create(CLUSTER_ROLE_BINDINGS, {
      apiVersion: RBAC,
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: roleRef('ClusterRole'),
      subjects,
    } as KubeObject);
    await this.create(ROLES, {
      apiVersion: RBAC,
      kind: 'Role',
      metadata: { name },
      rules: operatorNamespaceRules('managed'),
    } as KubeObject);
    await this.create(ROLE_BINDINGS, {
      apiVersion: RBAC,
      kind: 'RoleBinding',
      metadata: { name },
      roleRef: roleRef('Role'),
      subjects,
    } as KubeObject);
    const request = await this.client.request<{ status: { token: string } }>(
      'POST',
      `${resourcePath(SERVICE_ACCOUNTS, this.namespace, name)}/token`,
      { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 6 * 3600 } } },
    );
    const admin = parse(await readFile(this.kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
    const file = path.join(this.dir, 'operator-account.kubeconfig');
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'rig', cluster: admin.clusters[0]!.cluster }],
      users: [{ name, user: { token: request.status.token } }],
      contexts: [{ name: 'rig', context: { cluster: 'rig', user: name, namespace: this.namespace } }],
      'current-context': 'rig',
    };
    await writeFile(file, stringify(config), { mode: 0o600 });
    return file;
  }

  /** Waits until the pool is on `nodes` nodes (its agents reported and the operator placed it). */
  async poolOnNodes(name: string, nodes: number, timeoutMs = 90_000): Promise<StoragePool> {
    return (await this.poolsOnNodes([name], nodes, timeoutMs))[0]!;
  }

  /** Waits until all the pools are on `nodes` nodes at the same time; returns them in the order named. */
  poolsOnNodes(names: readonly string[], nodes: number, timeoutMs = 90_000): Promise<StoragePool[]> {
    return waitFor(
      `pool ${names.join(', ')} on ${nodes} node(s)`,
      async () => {
        const pools = await Promise.all(names.map((name) => this.get<StoragePool>(STORAGE_POOLS, name)));
        return pools.every((p) => p?.status?.nodeCount === nodes) ? (pools as StoragePool[]) : undefined;
      },
      timeoutMs,
      250,
    );
  }

  /** LocalDisks of this cluster's nodes. */
  async localDisks<T extends KubeObject>(): Promise<T[]> {
    return (await this.list<T>(LOCAL_DISKS)).filter((d) =>
      (d as unknown as { spec: { nodeName: string } }).spec.nodeName.startsWith(this.prefix),
    );
  }

  /** Operator and agent logs of the last run, kept under .rig/test-logs/ (git-ignored) for a failed test's post-mortem. */
  private async keepLogs(): Promise<void> {
    const dest = path.join(ROOT, '.rig', 'test-logs', this.prefix);
    await mkdir(dest, { recursive: true });
    for (const op of this.operators) await copyFile(op.proc.logFile, path.join(dest, path.basename(op.proc.logFile)));
    for (const n of this.nodes) await writeFile(path.join(dest, `agent-${n.name}.log`), n.agent.logs());
  }

  async teardown(): Promise<void> {
    try {
      await cleanupAll('test cluster teardown failed', [
        ...this.operators.map((op) => () => op.stop()),
        () => this.keepLogs(),
        // No operator runs now: release the finalizers it held, then delete what this test made.
        ...this.removalSteps(),
        // Replicas the operator made for volumes a test left behind: on the shared control plane they
        // would outlive this cluster (no garbage collector runs there) and show up in later files.
        async () => {
          const mine = new Set(this.nodes.map((n) => n.name));
          for (const r of await this.list<VolumeReplica>(VOLUME_REPLICAS)) {
            if (!mine.has(r.spec.node)) continue;
            const path = resourcePath(VOLUME_REPLICAS, undefined, r.metadata.name);
            await this.client.request('PATCH', path, { patchType: 'merge', body: { metadata: { finalizers: null } } });
            await this.delete(VOLUME_REPLICAS, r.metadata.name!);
          }
        },
        async () => {
          for (const d of await this.localDisks())
            await this.client.request('DELETE', resourcePath(LOCAL_DISKS, undefined, d.metadata.name));
        },
        ...this.nodes.map((n) => () => this.kubelet.removeNode(n.name)),
        () => this.kubelet.stop(),
        () => this.harness.cleanup(),
        () => deleteNamespace(this.client, this.namespace),
        () => rm(this.dir, { recursive: true, force: true }),
      ]);
    } finally {
      this.client.close();
      this.unregister();
    }
  }
}
