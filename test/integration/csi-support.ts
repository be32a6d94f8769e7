// What the CSI tests (and bench/pvc) share: the operator's CSI socket, agents named after their
// Nodes, the kubelet's driver registration played (topology labels + CSINode from each agent's NodeGetInfo),
// the CSIDriver object, and csi-provisioner / csi-resizer as real processes on the operator's socket.
import path from 'node:path';
import { CSI_DRIVER_NAME } from '../../src/common/constants.ts';
import { callCsi, connectCsi, type CsiClients } from '../../src/csi/client.ts';
import { isNotFound, resourcePath, type KubeClient, type ResourceType } from '../../src/operator/runtime/kube/client.ts';
import { PROVISIONER_RATE_ARGS } from '../../src/manifests/workloads.ts';
import { NODES } from '../../src/operator/resources.ts';
import { rigBinary } from '../rig/binaries.ts';
import { startSharedControllers } from '../rig/connect.ts';
import { ManagedProcess } from '../rig/managed-process.ts';
import type { TestCluster } from './support.ts';

export const PVCS: ResourceType = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true };
export const PVS: ResourceType = { apiVersion: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false };
export const PODS: ResourceType = { apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };
export { EVENTS, type KubeEvent } from '../helpers/cluster-objects.ts';
export const CSI_NODES: ResourceType = { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', plural: 'csinodes', namespaced: false };
export const CSI_DRIVERS: ResourceType = { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', plural: 'csidrivers', namespaced: false };

/** The fields of a PersistentVolumeClaim the tests read. */
export interface Pvc {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { volumeName?: string; resources: { requests: { storage: string } } };
  status?: { phase?: string; capacity?: { storage?: string }; conditions?: { type: string }[] };
}

/** The fields of a PersistentVolume the tests read. */
export interface Pv {
  metadata: { name: string };
  spec: {
    capacity: { storage: string };
    csi: { volumeHandle: string; driver: string };
    nodeAffinity?: { required: { nodeSelectorTerms: { matchExpressions: { key: string; operator: string; values: string[] }[] }[] } };
  };
}

/** Where the operator's CSI socket and the sidecars' logs live, and which cluster they talk to. */
export type CsiHost = Pick<TestCluster, 'dir' | 'kubeconfig' | 'namespace'>;

export function controllerEndpoint(cluster: Pick<CsiHost, 'dir'>): string {
  return `unix://${path.join(cluster.dir, 'csi.sock')}`;
}

/** Restarts each agent under its Node's name (same address, so its Pod stays valid). */
export async function nameAgentsAfterNodes(cluster: TestCluster): Promise<void> {
  for (const n of cluster.nodes) {
    n.agent.nodeName = n.name;
    await n.agent.stop();
    await n.agent.start();
  }
}

/** As the kubelet does when it registers the driver: NodeGetInfo → topology labels on the Node, and its CSINode. */
export async function registerCsiNodes(cluster: TestCluster): Promise<void> {
  for (const n of cluster.nodes) {
    const csi = connectCsi(n.agent.csiEndpoint);
    try {
      await registerCsiNode(cluster.client, n.name, csi.node);
    } finally {
      csi.close();
    }
  }
}

/** registerCsiNodes for one node, given its CSI node service. */
export async function registerCsiNode(client: KubeClient, nodeName: string, csiNode: CsiClients['node']): Promise<void> {
  const info = await callCsi(csiNode, 'NodeGetInfo', {});
  const node = await client.request<{ metadata: { uid: string } }>('PATCH', resourcePath(NODES, undefined, nodeName), {
    patchType: 'merge',
    body: { metadata: { labels: info.accessibleTopology?.segments ?? {} } },
  });
  const max = Number(info.maxVolumesPerNode);
  await client.request('POST', resourcePath(CSI_NODES), {
    body: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSINode',
      metadata: { name: nodeName, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: node.metadata.uid }] },
      spec: {
        drivers: [
          {
            name: CSI_DRIVER_NAME,
            nodeID: info.nodeId,
            topologyKeys: Object.keys(info.accessibleTopology?.segments ?? {}),
            ...(max ? { allocatable: { count: max } } : {}),
          },
        ],
      },
    },
  });
}

export async function removeCsiNodes(cluster: TestCluster): Promise<void> {
  for (const n of cluster.nodes)
    await cluster.client.request('DELETE', resourcePath(CSI_NODES, undefined, n.name)).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
}

/** Creates the CSIDriver object unless it exists (it is cluster-wide); returns whether this call made it. */
export async function ensureCsiDriver(client: KubeClient): Promise<boolean> {
  try {
    await client.request('GET', resourcePath(CSI_DRIVERS, undefined, CSI_DRIVER_NAME));
    return false;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await client.request('POST', resourcePath(CSI_DRIVERS), {
    body: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSIDriver',
      metadata: { name: CSI_DRIVER_NAME },
      spec: { attachRequired: false, podInfoOnMount: false, storageCapacity: true, volumeLifecycleModes: ['Persistent'] },
    },
  });
  return true;
}

/**
 * What turns claims into bound volumes around the operator, as in a cluster: CSINodes registered,
 * kube-controller-manager (PV binder) and kube-scheduler, csi-provisioner and csi-resizer.
 */
export async function startClaimProvisioning(
  cluster: TestCluster,
  sidecarOpts?: Parameters<typeof startSidecars>[1],
): Promise<{ stop(): Promise<void> }> {
  await registerCsiNodes(cluster);
  const controllers = await startSharedControllers({ controllerManager: true, scheduler: true });
  const sidecars = startSidecars(cluster, sidecarOpts);
  return {
    stop: async () => {
      await sidecars.stop();
      await controllers.stop();
    },
  };
}

export interface Sidecars {
  readonly provisioner: ManagedProcess;
  readonly resizer: ManagedProcess;
  stop(): Promise<void>;
}

/** csi-provisioner (topology, capacity, extra metadata) and csi-resizer on the operator's socket, as in the operator pod. */
export function startSidecars(cluster: CsiHost, opts: { capacityPollInterval?: string; timeout?: string } = {}): Sidecars {
  const address = controllerEndpoint(cluster).slice('unix://'.length);
  const common = [`--csi-address=${address}`, `--kubeconfig=${cluster.kubeconfig}`, `--timeout=${opts.timeout ?? '30s'}`, '--v=3'];
  const provisioner = ManagedProcess.start({
    name: 'csi-provisioner',
    binary: rigBinary('csi-provisioner'),
    logFile: path.join(cluster.dir, 'csi-provisioner.log'),
    args: [
      ...common,
      '--extra-create-metadata',
      '--enable-capacity',
      '--capacity-ownerref-level=-1',
      `--capacity-poll-interval=${opts.capacityPollInterval ?? '2s'}`,
      '--default-fstype=ext4',
      '--retry-interval-start=500ms',
      '--retry-interval-max=5s',
      ...PROVISIONER_RATE_ARGS,
    ],
    env: { NAMESPACE: cluster.namespace, POD_NAME: 'csi-provisioner-test' },
  });
  const resizer = ManagedProcess.start({
    name: 'csi-resizer',
    binary: rigBinary('csi-resizer'),
    logFile: path.join(cluster.dir, 'csi-resizer.log'),
    args: [...common, '--retry-interval-start=500ms', '--retry-interval-max=5s'],
  });
  return {
    provisioner,
    resizer,
    stop: async () => {
      await Promise.all([provisioner.stop(), resizer.stop()]);
    },
  };
}
