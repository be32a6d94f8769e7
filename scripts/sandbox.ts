// npm run sandbox: Stratum on this machine, no cluster needed. Starts an API server (the test rig's
// etcd and kube-apiserver), three nodes, the operator, a StoragePool and a first volume, then prints
// the KUBECONFIG line and what to try. Ctrl-C (or SIGTERM) tears everything down.
//
// Nodes are loop-device agents on loopback addresses (127.0.0.2 …), played as kubelet would
// register them; `startNodes` is the one place that decides, so lab VMs can replace them later.
// Needs root (loop devices, LVM), the system tools of scripts/install-deps and `npm run rig:build`.
import { writeSync } from 'node:fs';
import path from 'node:path';
import { LOCAL_VOLUMES, STORAGE_POOLS } from '../src/operator/resources.ts';
import type { LocalVolume, StoragePool } from '../src/api/index.ts';
import { TestCluster, waitFor } from '../test/integration/support.ts';
import { ControlPlane } from '../test/rig/control-plane.ts';
import { registerExitCleanup } from '../test/rig/exit-cleanup.ts';

const NODES = 3;
const POOL = 'sandbox';
const VOLUME = 'first-volume';
const began = Date.now();
// writeSync: the rig's signal handler exits the process right after teardown, before async pipe writes.
const say = (line: string) => writeSync(1, `[sandbox] ${line}\n`);
const seconds = () => `${((Date.now() - began) / 1000).toFixed(1)} s`;

/** The sandbox's nodes: loop-device agents on this machine. */
function startNodes(plane: ControlPlane): Promise<TestCluster> {
  return TestCluster.start({ agents: NODES, loopsPerAgent: 2, controlPlane: plane });
}

async function main(): Promise<void> {
  say('starting etcd and kube-apiserver …');
  const plane = await ControlPlane.start();
  let cluster: TestCluster | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      say('tearing down …');
      await cluster?.teardown().catch((err: Error) => say(`teardown: ${err.message}`));
      await plane.teardown();
      say('stopped; nothing left behind');
    })());
  // Ctrl-C: the rig's signal handler runs this (and exits once it is done). The agent harness
  // kills its agents and frees its loop devices on its own at process exit.
  const unregister = registerExitCleanup({ run: stop, runSync: () => undefined });
  say(`starting ${NODES} nodes (loop-device agents) …`);
  cluster = await startNodes(plane);
  say(
    `nodes' state, logs and loop devices: ${path.dirname(cluster.nodes[0]!.agent.dir)}, ${cluster.nodes.map((n) => n.agent.diskFilter).join(' ')}`,
  );
  await cluster.startOperator('stratum-operator');
  await cluster.create(STORAGE_POOLS, {
    apiVersion: 'storage.stratum.dev/v1alpha1',
    kind: 'StoragePool',
    metadata: { name: POOL },
    spec: { mediaClass: 'hdd', backend: 'lvm' },
  });
  await waitFor(
    `pool ${POOL} ready on ${NODES} nodes`,
    async () => (await cluster!.get<StoragePool>(STORAGE_POOLS, POOL))?.status?.nodeCount === NODES,
    120_000,
    500,
  );
  await cluster.create(LOCAL_VOLUMES, {
    apiVersion: 'storage.stratum.dev/v1alpha1',
    kind: 'LocalVolume',
    metadata: { name: VOLUME },
    spec: { pool: POOL, size: '128Mi', replicas: 1 },
  });
  await waitFor(
    `volume ${VOLUME} Ready`,
    async () => (await cluster!.get<LocalVolume>(LOCAL_VOLUMES, VOLUME))?.status?.phase === 'Ready',
    120_000,
    500,
  );
  const op = cluster.operators[0]!;
  process.stdout.write(
    [
      '',
      `Stratum sandbox ready in ${seconds()}: ${NODES} nodes, pool ${POOL}, volume ${VOLUME} Ready.`,
      '',
      `  export KUBECONFIG=${cluster.kubeconfig}`,
      `  export PATH=$PWD/.rig/bin:$PATH`,
      '',
      'Try:',
      '  kubectl get stratum                                  # pools, disks, volumes, replicas',
      `  kubectl edit lv ${VOLUME}                           # grow spec.size, set spec.replicas`,
      `  kubectl wait --for=condition=Ready lv/${VOLUME}`,
      `  curl -s ${op.metricsUrl}/metrics | grep ^stratum_pool`,
      `  curl -s ${cluster.nodes[0]!.agent.metricsUrl}/metrics | grep lvcreate`,
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
