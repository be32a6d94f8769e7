// PVC benchmark (not part of the test suite): `npm run bench:pvc`.
// BENCH_PVCS claims (default 100), each with a Pod, through the real kube-scheduler,
// kube-controller-manager, csi-provisioner and the operator's CSI controller, onto two real
// agents with an lvm pool (LVM metadata is real; no device-mapper needed to bind a claim).
// Prints PVC-to-Bound latency p50/p99/max and the total time, then the time to delete them all.
// Uses the shared control plane from $STRATUM_TEST_KUBECONFIG if set, else starts its own.
import { existsSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CSI_DRIVER_NAME } from '../../src/common/constants.ts';
import { resourcePath } from '../../src/operator/runtime/kube/client.ts';
import { LOCAL_VOLUMES } from '../../src/operator/resources.ts';
import { startSharedControlPlane, ENV_KUBECONFIG, type SharedControlPlane } from '../../test/rig/shared-control-plane.ts';
import { TestCluster, waitFor } from '../../test/integration/support.ts';
import {
  CSI_DRIVERS,
  EVENTS,
  PODS,
  PVCS,
  PVS,
  controllerEndpoint,
  ensureCsiDriver,
  type KubeEvent,
} from '../../test/integration/csi-support.ts';
import { nameAgentsAfterNodes, removeCsiNodes, startClaimProvisioning } from '../../test/integration/csi-support.ts';
import { out, pct } from '../support.ts';
import { OPERATOR_BUNDLE } from '../../test/helpers/operator-process.ts';

const N = Number(process.env.BENCH_PVCS ?? 100);
const GiB = 1024 ** 3;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  let plane: SharedControlPlane | undefined;
  if (!process.env[ENV_KUBECONFIG]) {
    plane = await startSharedControlPlane();
    Object.assign(process.env, plane.env);
  }
  let cluster: TestCluster | undefined;
  let provisioning: { stop(): Promise<void> } | undefined;
  let madeDriver = false;
  let finished = false;
  try {
    cluster = await TestCluster.start({ agents: 2, loopsPerAgent: 0, harness: { extraArgs: ['--pv-metadata-size', '64m'] } });
    for (const n of cluster.nodes) await n.agent.addLoop(64 * GiB);
    await nameAgentsAfterNodes(cluster);
    const c = cluster;
    const pool = `${c.prefix}-bench`;
    const sc = `${pool}-sc`;
    await c.createPool(pool, { mediaClass: 'hdd', backend: 'lvm' });
    await c.createStorageClass(sc, { pool }, { volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete' });
    madeDriver = await ensureCsiDriver(c.client);
    // As production runs it: compiled (`npm run build`), with the production lease (the tests' short
    // one can cost a loaded machine its leader, and the operator then exits mid-benchmark).
    await c.startOperator('operator-0', ['--csi-endpoint', controllerEndpoint(c), '--log-level', 'info'], {
      compiled: existsSync(OPERATOR_BUNDLE),
      leaseDurationMs: 15_000,
      // Its own ServiceAccount and RBAC, as in a cluster.
      kubeconfig: await c.operatorAccountKubeconfig(),
    });
    await c.poolOnNodes(pool, 2, 120_000);
    provisioning = await startClaimProvisioning(c, { capacityPollInterval: '10s', timeout: '60s' });

    out(`bench/pvc: ${N} PVCs (64Mi, WaitForFirstConsumer) with one Pod each, 2 nodes, lvm pool`);
    const created = new Map<string, number>();
    const bound = new Map<string, number>();
    const start = Date.now();
    const deadline = Date.now() + 15 * 60_000;
    // When each claim's LocalVolume was first seen, and first seen Ready: splits the latency into
    // "until the provisioner asks" (scheduler picks a node, csi-provisioner calls CreateVolume),
    // "until Stratum's volume is ready" (reconcilers, agent) and "until Kubernetes has bound it"
    // (PV created by the provisioner, bound by the PV controller).
    const volumeSeen = new Map<string, number>();
    const volumeReady = new Map<string, number>();
    // Polled from the first create on, so a claim bound while later ones are still being created
    // is timed when it binds, not when the creating is over. Its failure is held until the creating
    // is over, then thrown inside the try that tears the cluster down.
    const observing = (async () => {
      while (bound.size < N && Date.now() < deadline) {
        const [claims, volumes] = await Promise.all([
          c.client.request<{ items: { metadata: { name: string }; status?: { phase?: string } }[] }>(
            'GET',
            resourcePath(PVCS, c.namespace),
          ),
          c.client.request<{ items: { spec: { pool: string; pvcRef?: { name: string } }; status?: { phase?: string } }[] }>(
            'GET',
            resourcePath(LOCAL_VOLUMES),
          ),
        ]);
        const now = Date.now();
        for (const p of claims.items)
          if (p.status?.phase === 'Bound' && created.has(p.metadata.name) && !bound.has(p.metadata.name)) bound.set(p.metadata.name, now);
        for (const v of volumes.items) {
          const claim = v.spec.pvcRef?.name;
          if (v.spec.pool !== pool || !claim || !created.has(claim)) continue;
          if (!volumeSeen.has(claim)) volumeSeen.set(claim, now);
          if (v.status?.phase === 'Ready' && !volumeReady.has(claim)) volumeReady.set(claim, now);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })().then(
      () => undefined,
      (err: unknown) => err,
    );
    for (let i = 0; i < N; i++) {
      const name = `claim-${i}`;
      await c.client.request('POST', resourcePath(PVCS, c.namespace), {
        body: {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name },
          spec: { accessModes: ['ReadWriteOnce'], storageClassName: sc, resources: { requests: { storage: '64Mi' } } },
        },
      });
      created.set(name, Date.now());
      await c.client.request('POST', resourcePath(PODS, c.namespace), {
        body: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `app-${i}` },
          spec: {
            containers: [{ name: 'app', image: 'busybox' }],
            volumes: [{ name: 'data', persistentVolumeClaim: { claimName: name } }],
          },
        },
      });
    }
    const createdMs = Date.now() - start;
    const observingFailed = await observing;
    if (observingFailed) throw observingFailed;
    const total = Math.max(...bound.values()) - start;
    const latencies = [...bound.entries()].map(([n, t]) => t - created.get(n)!).sort((a, b) => a - b);
    out(`  created ${N} PVCs + Pods in ${s(createdMs)}`);
    out(
      `  bound ${bound.size}/${N}; PVC-to-Bound p50 ${s(pct(latencies, 50))}, p99 ${s(pct(latencies, 99))}, max ${s(latencies.at(-1)!)}; all bound ${s(total)} after the first create`,
    );
    const toSeen = [...volumeSeen.entries()].map(([n, t]) => t - created.get(n)!).sort((a, b) => a - b);
    const seenToReady = [...volumeReady.entries()].map(([n, t]) => t - volumeSeen.get(n)!).sort((a, b) => a - b);
    const readyToBound = [...volumeReady.entries()]
      .filter(([n]) => bound.has(n))
      .map(([n, t]) => bound.get(n)! - t)
      .sort((a, b) => a - b);
    if (seenToReady.length) {
      out(`    of which PVC created → LocalVolume created: p50 ${s(pct(toSeen, 50))}, p99 ${s(pct(toSeen, 99))}`);
      out(`    LocalVolume created → Ready: p50 ${s(pct(seenToReady, 50))}, p99 ${s(pct(seenToReady, 99))}`);
      out(`    and LocalVolume Ready → PVC Bound: p50 ${s(pct(readyToBound, 50))}, p99 ${s(pct(readyToBound, 99))}`);
    }
    // The scheduler binds each Pod once its claim is bound: wait for the last ones.
    type PodView = {
      metadata: { name: string };
      spec: { nodeName?: string };
      status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
    };
    // Only the benchmark's own Pods: the agents' Pods live in the same namespace, already bound to
    // their nodes (counting them made "every Pod scheduled" true only by chance, at N − 2 of ours).
    const listPods = async () => ({
      items: (await c.client.request<{ items: PodView[] }>('GET', resourcePath(PODS, c.namespace))).items.filter((p) =>
        p.metadata.name.startsWith('app-'),
      ),
    });
    const pods = await waitFor(
      'every Pod scheduled',
      async () => {
        const list = await listPods();
        return list.items.filter((p) => p.spec.nodeName).length === N ? list : undefined;
      },
      120_000,
      250,
    ).catch(async (err: Error) => {
      // Say why: pods that are gone, with the Events about them, and the scheduler's own verdict
      // on each pod left.
      const list = (await listPods()).items;
      const present = new Set(list.map((p) => p.metadata.name));
      const gone = Array.from({ length: N }, (_, i) => `app-${i}`).filter((name) => !present.has(name));
      const events = (await c.client.request<{ items: KubeEvent[] }>('GET', resourcePath(EVENTS, c.namespace))).items;
      for (const name of gone.slice(0, 10)) {
        const about = events.filter((e) => e.involvedObject.name === name).map((e) => `${e.reason}: ${e.message}`);
        out(`  gone ${name}: ${about.join('; ') || 'no Events about it'}`);
      }
      const left = list.filter((p) => !p.spec.nodeName);
      for (const p of left.slice(0, 10)) {
        const cond = p.status?.conditions?.find((x) => x.type === 'PodScheduled');
        out(`  unscheduled ${p.metadata.name}: ${cond ? `${cond.reason ?? ''}: ${cond.message ?? ''}` : 'no PodScheduled condition'}`);
      }
      throw new Error(`${err.message}: ${left.length} of ${N} pods unscheduled, ${gone.length} gone (first ones above)`, { cause: err });
    });
    const perNode = new Map<string, number>();
    for (const p of pods.items) if (p.spec.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    out(`  pods per node: ${[...perNode.entries()].map(([n, k]) => `${n.slice(c.prefix.length + 1)}=${k}`).join(', ')}`);

    const delStart = Date.now();
    for (let i = 0; i < N; i++) await c.kubelet.deletePod(c.namespace, `app-${i}`);
    for (let i = 0; i < N; i++) await c.client.request('DELETE', resourcePath(PVCS, c.namespace, `claim-${i}`));
    await waitFor(
      'every PV and LocalVolume deleted',
      async () => {
        const pvs = (await c.list<{ metadata: { name: string }; spec: { storageClassName?: string } }>(PVS)).filter(
          (p) => p.spec.storageClassName === sc,
        );
        const lvs = (await c.list(LOCAL_VOLUMES)).filter((v) => (v as unknown as { spec: { pool: string } }).spec.pool === pool);
        return pvs.length === 0 && lvs.length === 0;
      },
      15 * 60_000,
      500,
    );
    out(`  deleted ${N} PVCs → PVs, LocalVolumes and LVs gone in ${s(Date.now() - delStart)}`);
    finished = true;
  } finally {
    // The scheduler's and controller-manager's logs go with the control plane: kept beside the
    // operator's and agents' when the run failed.
    if (!finished && cluster) {
      const logs = path.join(path.dirname(process.env[ENV_KUBECONFIG]!), 'logs');
      const kept = fileURLToPath(new URL(`../../.rig/test-logs/${cluster.prefix}-control-plane`, import.meta.url));
      await cp(logs, kept, { recursive: true }).then(
        () => out(`  control plane logs kept in ${kept}`),
        () => undefined,
      );
    }
    await provisioning?.stop();
    if (cluster) {
      await removeCsiNodes(cluster).catch(() => undefined);
      if (madeDriver) await cluster.client.request('DELETE', resourcePath(CSI_DRIVERS, undefined, CSI_DRIVER_NAME)).catch(() => undefined);
      await cluster.teardown();
    }
    await plane?.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench/pvc failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
