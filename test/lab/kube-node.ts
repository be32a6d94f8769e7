// A lab VM joined to a test control plane as a real Kubernetes node: containerd 2.x with runc,
// the kubelet and kube-proxy of the rig's Kubernetes release (scripts/lab/build-node), a CNI
// bridge with the node's own pod range, and the images it runs imported from archives (there is
// no registry). The VM must have booted with `apiServerPort` (it reaches the API server through
// its user network) and the control plane must advertise API_SERVER_IN_VM.
//
//   await joinCluster(node, { plane, index: 0, nodeIp: '192.168.77.11', peers, images });
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { TestPki } from '../helpers/certs.ts';
import type { ControlPlane } from '../rig/control-plane.ts';
import { API_SERVER_IN_VM, type LabNode } from './lab-node.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** What scripts/lab/build-node made. */
export const NODE_BIN_DIR = process.env.STRATUM_LAB_NODE_BIN ?? path.join(ROOT, '.rig', 'lab-node');
/** The pod sandbox image the nodes' containerd runs (test/lab/lab-images.ts builds it). */
export const PAUSE_IMAGE = 'lab.stratum.test/pause:1';
/** Every node's pod range is one /24 of this. */
const CLUSTER_CIDR = '10.244.0.0/16';
/** The Service range the rig's API server allocates from; 10.96.0.10 is the cluster DNS. */
export const CLUSTER_DNS = '10.96.0.10';
const JOIN_TIMEOUT_MS = 1_200_000;

export interface JoinOptions {
  readonly plane: ControlPlane;
  /** This node's place among the lab's nodes: its pod range is 10.244.<index + 1>.0/24. */
  readonly index: number;
  /** The node's address on the lab link: its InternalIP. */
  readonly nodeIp: string;
  /** The other nodes' link addresses by index, to route to their pods. */
  readonly peers: readonly { readonly index: number; readonly nodeIp: string }[];
  /** Image archives (OCI) to import into containerd. */
  readonly images: readonly string[];
}

export function podCidr(index: number): string {
  return `10.244.${index + 1}.0/24`;
}

export async function joinCluster(node: LabNode, opts: JoinOptions): Promise<void> {
  const dir = path.join(node.shareDir, 'kube');
  await mkdir(dir, { recursive: true });
  const inVm = (f: string) => node.inShare('kube', f);
  const port = new URL(opts.plane.server).port;
  const rigPki = TestPki.open(opts.plane.files.pkiDir);
  const kubelet = await rigPki.issue({
    name: `kubelet-${node.name}`,
    commonName: `system:node:${node.name}`,
    organizations: ['system:nodes'],
    usage: 'client',
  });
  const proxy = await rigPki.issue({ name: `kube-proxy-${node.name}`, commonName: 'system:kube-proxy', usage: 'client' });
  const files: Record<string, string> = {
    'ca.crt': rigPki.ca.cert,
    'kubelet.crt': kubelet.cert,
    'kubelet.key': kubelet.key,
    'kube-proxy.crt': proxy.cert,
    'kube-proxy.key': proxy.key,
  };
  for (const [name, from] of Object.entries(files)) await copyFile(from, path.join(dir, name));

  const kubeconfig = (user: string) =>
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'lab',
          // The API server's certificate names it `kubernetes`, not the VM's view of the host.
          cluster: {
            server: `https://${API_SERVER_IN_VM}:${port}`,
            'certificate-authority': inVm('ca.crt'),
            'tls-server-name': 'kubernetes',
          },
        },
      ],
      users: [{ name: user, user: { 'client-certificate': inVm(`${user}.crt`), 'client-key': inVm(`${user}.key`) } }],
      contexts: [{ name: 'lab', context: { cluster: 'lab', user } }],
      'current-context': 'lab',
    });
  const written: Record<string, string> = {
    'kubelet.kubeconfig': kubeconfig('kubelet'),
    'kube-proxy.kubeconfig': kubeconfig('kube-proxy'),
    'kubelet.yaml': stringify({
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      authentication: { anonymous: { enabled: false }, webhook: { enabled: false }, x509: { clientCAFile: inVm('ca.crt') } },
      authorization: { mode: 'AlwaysAllow' },
      cgroupDriver: 'cgroupfs',
      containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock',
      failSwapOn: false,
      readOnlyPort: 0,
      clusterDomain: 'cluster.local',
      clusterDNS: [CLUSTER_DNS],
      resolvConf: inVm('resolv.conf'),
      // The VM's disk is its memory: only real shortage evicts, and images stay (nothing pulls them back).
      evictionHard: { 'memory.available': '32Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      serializeImagePulls: false,
    }),
    'kube-proxy.yaml': stringify({
      apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
      kind: 'KubeProxyConfiguration',
      mode: 'nftables',
      clientConnection: { kubeconfig: inVm('kube-proxy.kubeconfig') },
      clusterCIDR: CLUSTER_CIDR,
      conntrack: { maxPerCore: 0, min: 0 },
    }),
    'containerd.toml': containerdConfig(),
    '10-lab.conflist': JSON.stringify({
      cniVersion: '1.0.0',
      name: 'lab',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni0',
          isGateway: true,
          hairpinMode: true,
          // Pods' traffic leaves with the node's address: the API server's endpoint is the VM's
          // user-network forward, which answers only the VM's own address.
          ipMasq: true,
          ipMasqBackend: 'nftables',
          ipam: { type: 'host-local', ranges: [[{ subnet: podCidr(opts.index) }]], routes: [{ dst: '0.0.0.0/0' }] },
        },
      ],
    }),
    'node-ip': opts.nodeIp,
    routes: opts.peers.map((p) => `${podCidr(p.index)} ${p.nodeIp}\n`).join(''),
    'resolv.conf': 'search cluster.local\n',
  };
  for (const [name, text] of Object.entries(written)) await writeFile(path.join(dir, name), text);
  await node.sh([path.join(ROOT, 'test/lab/guest/kube-node'), inVm(''), NODE_BIN_DIR, ...opts.images].join(' '), JOIN_TIMEOUT_MS);
}

function containerdConfig(): string {
  return `version = 3
root = "/var/lib/containerd"
state = "/run/containerd"

[grpc]
  address = "/run/containerd/containerd.sock"

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "${PAUSE_IMAGE}"

[plugins.'io.containerd.cri.v1.runtime']
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["${NODE_BIN_DIR}"]
    conf_dir = "/etc/cni/net.d"
  [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
      BinaryName = "/usr/sbin/runc"
`;
}
