// Installable, proven on real nodes: two lab VMs with Debian's kernel run containerd 2.x, runc,
// the kubelet and kube-proxy of the rig's Kubernetes release, joined to a control plane on the
// host (API server, controller-manager, scheduler). Nothing comes from a registry: Stratum's image
// (scripts/image/build, from Debian packages and this checkout) and the pod sandbox are imported
// into each node's containerd, as an air-gapped cluster would.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/manifests/config.ts';
import { stratumImage } from '../../src/manifests/images.ts';
import { reportFailure } from '../integration/support.ts';
import { waitFor } from '../operator/support.ts';
import { ControlPlane } from '../rig/control-plane.ts';
import { kubectl } from '../rig/kubectl.ts';
import { Lab } from '../lab/lab.ts';
import { pauseImage } from '../lab/lab-images.ts';
import { API_SERVER_IN_VM } from '../lab/lab-node.ts';
import { joinCluster } from '../lab/kube-node.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const IMAGES = path.join(ROOT, '.rig', 'images');
const STRATUM_ARCHIVE = path.join(IMAGES, 'stratum.tar');
const IMAGE = stratumImage(loadConfig(path.join(ROOT, 'stratum.config.yaml')));
const NODES = 2;
const linkAddress = (i: number) => `192.168.77.${11 + i}`;

const it = suite('lab: installed on real kubelets');
let plane: ControlPlane;
let lab: Lab;

interface NodeObject {
  metadata: { name: string };
  status: {
    conditions: { type: string; status: string; message?: string }[];
    nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string; kernelVersion: string };
  };
}
interface PodObject {
  metadata: { name: string };
  spec: { nodeName?: string };
  status: {
    phase: string;
    podIP?: string;
    containerStatuses?: { state: { terminated?: { exitCode: number; message?: string } } }[];
  };
}

const k = async (...args: string[]) => (await kubectl(plane.kubeconfigPath, args)).stdout;
const getJson = async <T>(...args: string[]): Promise<T> => JSON.parse(await k('get', ...args, '-o', 'json')) as T;
const apply = (doc: unknown) => kubectl(plane.kubeconfigPath, ['apply', '-f', '-'], { input: stringify(doc) });

it.before(
  reportFailure(async () => {
    if (!existsSync(STRATUM_ARCHIVE))
      throw new Error(`${STRATUM_ARCHIVE} is missing: Stratum's image is built by scripts/image/build (npm test runs it)`);
    plane = await ControlPlane.start({
      controllerManager: true,
      scheduler: true,
      // The kubernetes Service's endpoint: where pods on the VMs reach the API server.
      apiServerArgs: [`--advertise-address=${API_SERVER_IN_VM}`],
    });
    await mkdir(IMAGES, { recursive: true });
    const pause = await pauseImage(IMAGES);
    lab = await Lab.start({
      nodes: NODES,
      agents: false,
      apiServerPort: Number(new URL(plane.server).port),
      // Image layers live in the VM's memory (its containerd store is a tmpfs).
      memoryMiB: 2560,
      logName: 'lab-install',
    });
    await Promise.all(
      lab.nodes.map((node, i) =>
        joinCluster(node, {
          plane,
          index: i,
          nodeIp: linkAddress(i),
          peers: lab.nodes.flatMap((_, j) => (j === i ? [] : [{ index: j, nodeIp: linkAddress(j) }])),
          images: [pause, STRATUM_ARCHIVE],
        }),
      ),
    );
  }),
);

it.after(async () => {
  await lab?.teardown();
  await plane?.teardown();
});

it('each VM joins as a real node: its kubelet registers it and reports it Ready on containerd 2', async () => {
  const names = lab.nodes.map((n) => n.name);
  const nodes = await waitFor(
    `Nodes ${names.join(', ')} Ready`,
    async () => {
      const list = (await getJson<{ items: NodeObject[] }>('nodes')).items.filter((n) => names.includes(n.metadata.name));
      const ready = list.filter((n) => n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === names.length ? ready : undefined;
    },
    300_000,
    2_000,
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${await k('get', 'nodes', '-o', 'wide').catch((e: Error) => e.message)}`);
  });
  for (const n of nodes) {
    assert.match(n.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/2\./, n.metadata.name);
    assert.match(n.status.nodeInfo.kubeletVersion, /^v1\.\d+\.\d+$/);
    assert.match(n.status.nodeInfo.kernelVersion, /-amd64$/, 'Debian kernel in the VM');
  }
});

it("Stratum's image runs as a pod on every node, on the pod network, and reaches the API server through the kubernetes Service", async () => {
  await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'smoke' } });
  // kube-proxy forwards the Service address; the answer proves the pod network, the route out of
  // the node and the pod's service-account credentials.
  const script = [
    "const fs = require('node:fs'), https = require('node:https');",
    "const sa = '/var/run/secrets/kubernetes.io/serviceaccount/';",
    'const done = (m, code) => { fs.writeFileSync("/dev/termination-log", m); process.exit(code); };',
    'https.get({ host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT, path: "/version",',
    '  ca: fs.readFileSync(sa + "ca.crt"), headers: { authorization: "Bearer " + fs.readFileSync(sa + "token", "utf8") } }, (res) => {',
    '  let body = ""; res.on("data", (c) => (body += c));',
    '  res.on("end", () => done(process.version + " " + JSON.parse(body).gitVersion, 0));',
    '}).on("error", (e) => done(String(e), 1));',
  ].join('\n');
  for (const node of lab.nodes) {
    await apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `smoke-${node.name}`, namespace: 'smoke' },
      spec: {
        restartPolicy: 'Never',
        nodeSelector: { 'kubernetes.io/hostname': node.name },
        containers: [{ name: 'smoke', image: IMAGE, imagePullPolicy: 'Never', command: ['node', '-e', script] }],
      },
    });
  }
  for (const node of lab.nodes) {
    const pod = await waitFor(
      `pod smoke-${node.name} finished`,
      async () => {
        const p = await getJson<PodObject>('pod', '-n', 'smoke', `smoke-${node.name}`);
        return ['Succeeded', 'Failed'].includes(p.status.phase) ? p : undefined;
      },
      300_000,
      2_000,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await k('describe', 'pod', '-n', 'smoke').catch((e: Error) => e.message)}`);
    });
    const message = pod.status.containerStatuses?.[0]?.state.terminated?.message ?? '';
    assert.is(pod.status.phase, 'Succeeded', `${node.name}: ${message}`);
    assert.is(pod.spec.nodeName, node.name);
    assert.match(pod.status.podIP ?? '', /^10\.244\./, 'an address from the node pod range, not the host network');
    assert.match(message, /^v24\.\d+\.\d+ v1\.\d+\.\d+$/, 'the pinned Node.js in the image, and the API server answered');
  }
});

it.run();
