// Installable, proven on real nodes: two lab VMs with Debian's kernel run containerd 2.x, runc,
// the kubelet and kube-proxy of the rig's Kubernetes release, joined to a control plane on the
// host (API server, controller-manager, scheduler). Nothing comes from a registry: Stratum's image
// (scripts/image/build.ts, from Debian packages and this checkout) and the pod sandbox are imported
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
import { clusterDnsObjects, corednsImage } from '../lab/cluster-dns.ts';
import { pauseImage, sidecarImages } from '../lab/lab-images.ts';
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

/** Waits (bounded) until the pod has run to its end; the pod's description is in the error otherwise. */
async function podFinished(namespace: string, name: string, timeoutMs = 600_000): Promise<PodObject> {
  return waitFor(
    `pod ${namespace}/${name} finished`,
    async () => {
      const p = await getJson<PodObject>('pod', '-n', namespace, name);
      return ['Succeeded', 'Failed'].includes(p.status.phase) ? p : undefined;
    },
    timeoutMs,
    2_000,
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${await k('describe', 'pod', '-n', namespace, name).catch((e: Error) => e.message)}`);
  });
}

const terminationMessage = (pod: PodObject) => pod.status.containerStatuses?.[0]?.state.terminated?.message ?? '';

/** A pod of Stratum's image that runs `script` with sh once, as the image's user. */
function shellPod(namespace: string, name: string, script: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: {
      restartPolicy: 'Never',
      containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', script], ...extra }],
    },
  };
}

it.before(
  reportFailure(async () => {
    if (!existsSync(STRATUM_ARCHIVE))
      throw new Error(`${STRATUM_ARCHIVE} is missing: Stratum's image is built by scripts/image/build.ts (npm test runs it)`);
    plane = await ControlPlane.start({
      controllerManager: true,
      scheduler: true,
      // The kubernetes Service's endpoint: where pods on the VMs reach the API server.
      apiServerArgs: [`--advertise-address=${API_SERVER_IN_VM}`],
    });
    await mkdir(IMAGES, { recursive: true });
    const images = [await pauseImage(IMAGES), await corednsImage(IMAGES), ...(await sidecarImages(IMAGES)), STRATUM_ARCHIVE];
    lab = await Lab.start({
      nodes: NODES,
      agents: false,
      apiServerPort: Number(new URL(plane.server).port),
      // Image layers live in the VM's memory (its containerd store is a tmpfs).
      memoryMiB: 3072,
      logName: 'lab-install',
    });
    await Promise.all(
      lab.nodes.map((node, i) =>
        joinCluster(node, {
          plane,
          index: i,
          nodeIp: linkAddress(i),
          peers: lab.nodes.flatMap((_, j) => (j === i ? [] : [{ index: j, nodeIp: linkAddress(j) }])),
          images,
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
    const pod = await podFinished('smoke', `smoke-${node.name}`);
    const message = terminationMessage(pod);
    assert.is(pod.status.phase, 'Succeeded', `${node.name}: ${message}`);
    assert.is(pod.spec.nodeName, node.name);
    assert.match(pod.status.podIP ?? '', /^10\.244\./, 'an address from the node pod range, not the host network');
    assert.match(message, /^v24\.\d+\.\d+ v1\.\d+\.\d+$/, 'the pinned Node.js in the image, and the API server answered');
  }
});

it('kubectl apply of charts-gen/ runs the operator and an agent on every node as real pods; each kubelet registers the CSI driver from its agent', async () => {
  // A cluster has DNS before anything is installed: agents reach the operator's certificate
  // endpoint by its Service name.
  for (const o of clusterDnsObjects()) await apply(o);
  // As the README says.
  await k('apply', '--server-side', '-f', path.join(ROOT, 'charts-gen/'));
  await k('wait', '--for', 'condition=Established', 'crd', '-l', 'app.kubernetes.io/part-of=stratum', '--timeout', '60s');
  await k('apply', '--server-side', '-f', path.join(ROOT, 'charts-gen/pools/'));
  // Tuned as for any slow node: these VMs emulate their CPUs in software, about one host core
  // each. Two operator replicas with their sidecars starve a node, and with the default 15 s
  // lease a busy leader missed its renewal and stopped, again and again.
  await k(
    'patch',
    'deployment',
    '-n',
    'stratum-system',
    'stratum-operator',
    '--type=json',
    '-p',
    JSON.stringify([
      { op: 'replace', path: '/spec/replicas', value: 1 },
      { op: 'add', path: '/spec/template/spec/containers/0/args/-', value: '--lease-duration-ms=60000' },
    ]),
  );
  const describe = async () => k('get', 'pods', '-A', '-o', 'wide').catch((e: Error) => e.message);
  await waitFor(
    'the agent DaemonSet Ready on every node and an operator replica Ready',
    async () => {
      const ds = await getJson<{ status: { numberReady?: number } }>('daemonset', '-n', 'stratum-system', 'stratum-agent');
      const op = await getJson<{ status: { readyReplicas?: number } }>('deployment', '-n', 'stratum-system', 'stratum-operator');
      return ds.status.numberReady === NODES && (op.status.readyReplicas ?? 0) >= 1;
    },
    1_200_000,
    5_000,
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${await describe()}`);
  });
  for (const node of lab.nodes) {
    const csiNode = await waitFor(
      `CSINode ${node.name} lists csi.stratum.dev`,
      async () => {
        const c = await getJson<{ spec: { drivers?: { name: string; nodeID: string }[] } }>('csinode', node.name).catch(() => undefined);
        return c?.spec.drivers?.find((d) => d.name === 'csi.stratum.dev');
      },
      120_000,
      2_000,
    );
    assert.is(csiNode.nodeID, node.name);
  }
});

it('a PVC binds on a real node, its pod writes; a new pod on the same claim reads the data back', async () => {
  await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } });
  await apply({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'app' },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'stratum-ssd', resources: { requests: { storage: '256Mi' } } },
  });
  const token = `stratum-${Date.now()}`;
  const volume = {
    volumeMounts: [{ name: 'data', mountPath: '/data' }],
  };
  const withClaim = (pod: ReturnType<typeof shellPod>) => ({
    ...pod,
    spec: {
      ...pod.spec,
      // The file system's root belongs to root; the pods run as the image's user.
      securityContext: { fsGroup: 65532 },
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
    },
  });
  await apply(withClaim(shellPod('app', 'writer', `echo ${token} > /data/token && sync`, volume)));
  const writer = await podFinished('app', 'writer', 900_000);
  assert.is(writer.status.phase, 'Succeeded', terminationMessage(writer));
  const pvc = await getJson<{ status: { phase: string }; spec: { volumeName: string } }>('pvc', '-n', 'app', 'data');
  assert.is(pvc.status.phase, 'Bound');
  await k('delete', 'pod', '-n', 'app', 'writer', '--timeout=300s');
  await apply(withClaim(shellPod('app', 'reader', 'cat /data/token > /dev/termination-log', volume)));
  const reader = await podFinished('app', 'reader', 600_000);
  assert.is(reader.status.phase, 'Succeeded');
  assert.is(terminationMessage(reader).trim(), token, 'the data the first pod wrote');
  assert.is(reader.spec.nodeName, writer.spec.nodeName, 'a local volume: the same node');
});

it.run();
