// npm run sandbox: Stratum on this machine, no cluster needed. Starts an API server (the test rig's
// etcd and kube-apiserver), three nodes, the operator, a StoragePool and a first volume, then prints
// the KUBECONFIG line, what to try, and how long it took. Ctrl-C (or SIGTERM) tears everything down.
//
// Nodes (--nodes): `lab` boots three lab VMs with Debian's kernel (device-mapper: volumes have real
// devices, filesystems mount), each running the agent; `loop` runs three agents on this machine over
// loop devices (LVM metadata only where the kernel has no device-mapper); `auto` (the default) tries
// the VMs and falls back to loop devices, saying why.
// Needs root (loop devices, LVM, namespaces), the system tools of scripts/install-deps and
// `npm run rig:build`; the VMs also need scripts/lab/build and the compiled agent, built here.
import { writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { run } from '../src/common/exec.ts';
import { LOCAL_VOLUMES, STORAGE_POOLS } from '../src/operator/resources.ts';
import type { KubeObject, ResourceType } from '../src/operator/runtime/kube/client.ts';
import type { LocalVolume, StoragePool } from '../src/api/index.ts';
import type { OperatorProcess } from '../test/helpers/operator-process.ts';
import { TestCluster, waitFor } from '../test/integration/support.ts';
import { Lab } from '../test/lab/lab.ts';
import { LabCluster } from '../test/lab/lab-cluster.ts';
import { ControlPlane } from '../test/rig/control-plane.ts';
import { registerExitCleanup } from '../test/rig/exit-cleanup.ts';
import { ENV_KUBECONFIG, ENV_RIG_DIR } from '../test/rig/shared-control-plane.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODES = 3;
const POOL = 'sandbox';
const VOLUME = 'first-volume';
const NODE_KINDS = ['auto', 'lab', 'loop'] as const;
const began = Date.now();
// writeSync: the rig's signal handler exits the process right after teardown, before async pipe writes.
const say = (line: string) => writeSync(1, `[sandbox] ${line}\n`);
const seconds = () => `${((Date.now() - began) / 1000).toFixed(1)} s`;

/** The sandbox's three nodes, VMs or loop-device agents, behind what the rest of the script needs. */
interface SandboxNodes {
  readonly kind: 'lab VMs' | 'loop-device agents';
  readonly kubeconfig: string;
  /** Where the nodes keep their state and logs, for a look while it runs. */
  readonly where: string;
  /** Lines for "Try:" that only these nodes can answer. */
  readonly hints: readonly string[];
  startOperator(): Promise<OperatorProcess>;
  create<T extends KubeObject>(rt: ResourceType, obj: T): Promise<T>;
  get<T extends KubeObject>(rt: ResourceType, name: string): Promise<T | undefined>;
  teardown(): Promise<void>;
}

function loopNodes(cluster: TestCluster): SandboxNodes {
  return {
    kind: 'loop-device agents',
    kubeconfig: cluster.kubeconfig,
    where: `nodes' state, logs and loop devices: ${path.dirname(cluster.nodes[0]!.agent.dir)}, ${cluster.nodes.map((n) => n.agent.diskFilter).join(' ')}`,
    hints: [`curl -s ${cluster.nodes[0]!.agent.metricsUrl}/metrics | grep lvcreate`],
    startOperator: () => cluster.startOperator('stratum-operator'),
    create: (rt, obj) => cluster.create(rt, obj),
    get: (rt, name) => cluster.get(rt, name),
    teardown: () => cluster.teardown(),
  };
}

function labNodes(lab: Lab, cluster: LabCluster): SandboxNodes {
  return {
    kind: 'lab VMs',
    kubeconfig: cluster.kubeconfig,
    where: `VM consoles and agent logs: ${lab.logDir}`,
    hints: [`kubectl get ld                                       # the VMs' virtio and SCSI disks, serials and WWN`],
    startOperator: () => cluster.startOperator(),
    create: (rt, obj) => cluster.create(rt, obj),
    get: (rt, name) => cluster.get(rt, name),
    teardown: async () => {
      await cluster.teardown();
      await lab.teardown();
    },
  };
}

/** Builds what the VMs boot (cached after the first time) and boots them as nodes of `plane`. */
async function startLab(plane: ControlPlane): Promise<SandboxNodes> {
  say('building the lab kernel and the compiled agent (cached after the first run) …');
  await run('bash', [path.join(ROOT, 'scripts/lab/build')], { timeoutMs: 20 * 60_000 });
  await run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], {
    timeoutMs: 5 * 60_000,
  });
  say(`booting ${NODES} lab VMs …`);
  const lab = await Lab.start({ nodes: NODES, logName: 'sandbox' });
  try {
    // The lab's cluster joins the control plane the test runner would share; here it is the sandbox's.
    process.env[ENV_KUBECONFIG] = plane.kubeconfigPath;
    process.env[ENV_RIG_DIR] = plane.files.dir;
    return labNodes(lab, await LabCluster.start(lab));
  } catch (err) {
    await lab.teardown();
    throw err;
  }
}

async function startNodes(plane: ControlPlane, kind: (typeof NODE_KINDS)[number]): Promise<SandboxNodes> {
  if (kind !== 'loop') {
    try {
      return await startLab(plane);
    } catch (err) {
      if (kind === 'lab') throw err;
      say(`lab VMs did not start (${(err as Error).message.split('\n')[0]}); using loop-device agents instead`);
    }
  }
  say(`starting ${NODES} nodes (loop-device agents) …`);
  return loopNodes(await TestCluster.start({ agents: NODES, loopsPerAgent: 2, controlPlane: plane }));
}

function parse(argv: string[]): (typeof NODE_KINDS)[number] {
  const { values } = parseArgs({ args: argv, strict: true, options: { nodes: { type: 'string', default: 'auto' } } });
  const kind = NODE_KINDS.find((k) => k === values.nodes);
  if (!kind) throw new Error(`--nodes must be one of ${NODE_KINDS.join(', ')}, not ${values.nodes}`);
  return kind;
}

async function main(): Promise<void> {
  const kind = parse(process.argv.slice(2));
  say('starting etcd and kube-apiserver …');
  const plane = await ControlPlane.start();
  let nodes: SandboxNodes | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      say('tearing down …');
      await nodes?.teardown().catch((err: Error) => say(`teardown: ${err.message}`));
      await plane.teardown();
      say('stopped; nothing left behind');
    })());
  // Ctrl-C: the rig's signal handler runs this (and exits once it is done). The agent harness
  // and the lab also clean up on their own at process exit.
  const unregister = registerExitCleanup({ run: stop, runSync: () => undefined });
  nodes = await startNodes(plane, kind);
  say(nodes.where);
  const op = await nodes.startOperator();
  await nodes.create(STORAGE_POOLS, {
    apiVersion: 'storage.stratum.dev/v1alpha1',
    kind: 'StoragePool',
    metadata: { name: POOL },
    spec: { mediaClass: 'hdd', backend: 'lvm' },
  });
  await waitFor(
    `pool ${POOL} ready on ${NODES} nodes`,
    async () => (await nodes!.get<StoragePool>(STORAGE_POOLS, POOL))?.status?.nodeCount === NODES,
    120_000,
    500,
  );
  await nodes.create(LOCAL_VOLUMES, {
    apiVersion: 'storage.stratum.dev/v1alpha1',
    kind: 'LocalVolume',
    metadata: { name: VOLUME },
    spec: { pool: POOL, size: '128Mi', replicas: 1 },
  });
  await waitFor(
    `volume ${VOLUME} Ready`,
    async () => (await nodes!.get<LocalVolume>(LOCAL_VOLUMES, VOLUME))?.status?.phase === 'Ready',
    120_000,
    500,
  );
  process.stdout.write(
    [
      '',
      `Stratum sandbox ready in ${seconds()}: ${NODES} nodes (${nodes.kind}), pool ${POOL}, volume ${VOLUME} Ready.`,
      '',
      `  export KUBECONFIG=${nodes.kubeconfig}`,
      `  export PATH=$PWD/.rig/bin:$PATH`,
      '',
      'Try:',
      '  kubectl get stratum                                  # pools, disks, volumes, replicas',
      `  kubectl edit lv ${VOLUME}                           # grow spec.size, set spec.replicas`,
      `  kubectl wait --for=condition=Ready lv/${VOLUME}`,
      `  curl -s ${op.metricsUrl}/metrics | grep ^stratum_pool`,
      ...nodes.hints.map((h) => `  ${h}`),
      '',
      'Ctrl-C tears everything down.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stop();
  unregister();
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`[sandbox] failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
