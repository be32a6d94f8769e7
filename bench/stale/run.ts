// Stale-node benchmark (not part of the test suite): `npm run build && npm run bench:stale`.
//
// Issue 15: with 1,000 LocalVolumes whose node is gone, creating new volumes on live nodes must be
// as fast as without them. One run, against its own etcd + kube-apiserver, BENCH_AGENTS live
// agents (default 3) plus one more that will go, each on a 2 TiB sparse loop device (real lvm2
// metadata, activation off), and the compiled operator as a process:
//   clean:        after a warm-up burst of up to 30, BENCH_VOLUMES (default 300) LocalVolumes of
//                 1 GiB created on the live nodes, timed create → Ready, then deleted;
//   setup:        BENCH_STALE (default 1,000) volumes made Ready on the extra node, then its agent
//                 stopped until every one is Lost (NodeLost, past --node-lost-grace-ms);
//   node lost:    the same burst as clean, the stale volumes present, the Node object still there;
//   node deleted: its Pod and Node deleted until every stale volume is Lost (NodeDeleted), and the
//                 burst once more.
// Both kinds of gone are measured because they load the operator differently: a lost node still
// has a registered agent, retried and requeued on every state change; a deleted one does not.
// The measured volumes are pinned round-robin to the live nodes (spec.accessibility, the path a
// CSI request takes), so every burst puts the same volumes on the same nodes and none on the gone
// one. Prints a JSON line per phase and a table: volumes/s and its ratio to clean, p50/p99, API
// writes per volume, operator reconciles per volume and calls to the gone node during the burst.
import { DEFAULT_SCAN_INTERVAL_MS } from '../../src/agent/config.ts';
import type { LocalVolume } from '../../src/api/index.ts';
import { findCondition } from '../../src/operator/runtime/status.ts';
import type { OperatorProcess } from '../../test/helpers/operator-process.ts';
import { TestCluster } from '../../test/integration/support.ts';
import { ControlPlane } from '../../test/rig/control-plane.ts';
import { apiRequests, type Burst, createVolumes, deleteVolumes, grown, lvcreateInARow, operatorGone, out, pct } from '../support.ts';
import { requireCompiledOperator, rssMiB, VolumeWatch, writeProfile } from '../support.ts';
import { summedSamples } from '../../test/helpers/prometheus-text.ts';

const LIVE = Number(process.env.BENCH_AGENTS ?? 3);
const VOLUMES = Number(process.env.BENCH_VOLUMES ?? 300);
const STALE = Number(process.env.BENCH_STALE ?? 1_000);
const GRACE_MS = Number(process.env.BENCH_NODE_LOST_GRACE_MS ?? 10_000);
const WORKERS = process.env.BENCH_WORKERS ?? '16';
const BASELINE_LVS = Math.min(100, VOLUMES);
// Generous for the 2 shared cores (a few volumes per second), yet a hang ends the run.
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MIN ?? 0) * 60_000 || 30 * 60_000 + (3 * VOLUMES + STALE) * 1_000;

interface Phase {
  readonly phase: string;
  readonly creation: Burst;
  readonly deletion: Burst;
  readonly writes: ReturnType<typeof writeProfile>;
  /** Operator reconciles during the creation burst, by kind. */
  readonly reconciles: Map<string, number>;
  /** Operator calls to the gone node's agent during the creation burst. */
  readonly goneCalls: number;
  readonly rssMiB: number;
}

const rate = (b: Burst) => b.done / (b.elapsedMs / 1000);
const secs = (ms: number) => (ms / 1000).toFixed(2);
const lostWith = (reason: string) => (v: LocalVolume | undefined) =>
  v?.status?.phase === 'Lost' && findCondition(v.status.conditions, 'Ready')?.reason === reason;

async function operatorCounters(op: OperatorProcess) {
  const text = await op.metrics();
  return {
    reconciles: summedSamples(text, 'stratum_reconcile_total', (l) => l('kind')),
    calls: summedSamples(text, 'stratum_agent_calls_total', (l) => l('node')),
  };
}

requireCompiledOperator('bench/stale');
const plane = await ControlPlane.start();
let cluster: TestCluster | undefined;
try {
  cluster = await TestCluster.start({
    agents: LIVE + 1,
    loopsPerAgent: 1,
    controlPlane: plane,
    harness: { loopSizeBytes: 2 * 1024 ** 4, extraArgs: ['--pv-metadata-size', '64m'], scanIntervalMs: DEFAULT_SCAN_INTERVAL_MS },
  });
  const c = cluster;
  const live = c.nodes.slice(0, LIVE).map((n) => n.name);
  const gone = c.nodes[LIVE]!;
  const pool = `${c.prefix}-bench`;
  await c.createPool(pool, { mediaClass: 'hdd' });
  const op = await c.startOperator(
    'operator-bench',
    ['--workers', WORKERS, '--log-level', 'warn', '--node-lost-grace-ms', String(GRACE_MS)],
    // The production lease, not the tests' short one: a loaded machine must not cost the benchmark its
    // leader; its own ServiceAccount and RBAC, as in a cluster.
    { compiled: true, leaseDurationMs: 15_000, kubeconfig: await c.operatorAccountKubeconfig() },
  );
  const stop = operatorGone(op, DEADLINE_MS);
  await Promise.race([c.poolOnNodes(pool, LIVE + 1, 120_000), stop]);
  const baseline = await lvcreateInARow(c.nodes[0]!.agent, `stratum-${pool}`, BASELINE_LVS);
  const watch = await VolumeWatch.start(c.client);
  const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);

  /** One burst of `count` volumes on the live nodes, then their deletion. */
  async function burst(phase: string, count = VOLUMES): Promise<Phase> {
    const batch = names(phase.replace(' ', '-'), count);
    const [api0, op0] = [await apiRequests(plane), await operatorCounters(op)];
    const creation = await createVolumes(
      c.client,
      watch,
      batch,
      (i) => ({ pool, size: '1Gi', accessibility: { nodes: [live[i % LIVE]] } }),
      stop,
    );
    const [api1, op1] = [await apiRequests(plane), await operatorCounters(op)];
    const rss = rssMiB(op);
    const deletion = await deleteVolumes(c.client, watch, batch, stop);
    return {
      phase,
      creation,
      deletion,
      writes: writeProfile(api0, api1, { key: 'POST localvolumes', count }),
      reconciles: grown(op0.reconciles, op1.reconciles),
      goneCalls: grown(op0.calls, op1.calls).get(gone.name) ?? 0,
      rssMiB: rss,
    };
  }

  // Not measured: the first burst also pays for the operator's JIT and first placements, which
  // would make the clean figure look slower than the stale ones that follow it.
  await burst('warm-up', Math.min(VOLUMES, 30));
  const phases: Phase[] = [await burst('clean')];

  // The stale volumes: Ready on the node that goes, then Lost.
  const stale = names('stale', STALE);
  const made = await createVolumes(c.client, watch, stale, () => ({ pool, size: '1Gi', accessibility: { nodes: [gone.name] } }), stop);
  if (made.missing.length) throw new Error(`${made.missing.length} of ${STALE} stale volumes never Ready`);
  const lostAfter = async (what: string, reason: string, take: () => Promise<unknown>) => {
    const t0 = performance.now();
    await take();
    const lost = await watch.until(stale, lostWith(reason), 10 * 60_000 + GRACE_MS, stop);
    if (lost.missing.length) throw new Error(`${lost.missing.length} of ${STALE} stale volumes not Lost (${reason}) after ${what}`);
    return performance.now() - t0;
  };
  // An agent that stopped answering: the Node object, its Pod and their heartbeats stay.
  const nodeLostMs = await lostAfter('the agent stopped', 'NodeLost', () => gone.agent.stop());
  phases.push(await burst('node lost'));
  // The machine removed from the cluster, as in test/integration/node-loss.test.ts.
  const nodeDeletedMs = await lostAfter('the Node was deleted', 'NodeDeleted', async () => {
    await c.kubelet.deletePod(c.namespace, gone.pod);
    await c.kubelet.removeNode(gone.name);
  });
  phases.push(await burst('node deleted'));
  watch.stop();

  const clean = rate(phases[0]!.creation);
  const perVolume = (n: number) => n / VOLUMES;
  for (const p of phases)
    out(
      JSON.stringify({
        bench: 'stale',
        phase: p.phase,
        stale: p.phase === 'clean' ? 0 : STALE,
        volumes: VOLUMES,
        ready: p.creation.done,
        volumesPerSec: +rate(p.creation).toFixed(2),
        ratioToClean: +(rate(p.creation) / clean).toFixed(3),
        p50Ms: Math.round(pct(p.creation.latencies, 50)),
        p99Ms: Math.round(pct(p.creation.latencies, 99)),
        apiWritesPerVolume: +perVolume(p.writes.total).toFixed(2),
        apiWrites: Object.fromEntries(p.writes.by.map(([k, n]) => [k, +perVolume(n).toFixed(2)])),
        conflicts: p.writes.conflicts,
        reconcilesPerVolume: Object.fromEntries([...p.reconciles].map(([k, n]) => [k, +perVolume(n).toFixed(2)])),
        callsToGoneNode: p.goneCalls,
        deletedPerSec: +rate(p.deletion).toFixed(2),
        operatorRssMiB: Math.round(p.rssMiB),
      }),
    );
  out(
    JSON.stringify({
      bench: 'stale',
      phase: 'setup',
      lvcreatePerSec: +baseline.toFixed(2),
      staleReady: made.done,
      staleReadyPerSec: +rate(made).toFixed(2),
      nodeLostMs: Math.round(nodeLostMs),
      nodeDeletedMs: Math.round(nodeDeletedMs),
    }),
  );

  out('');
  out(
    `bench/stale: ${VOLUMES} new LocalVolumes of 1Gi on ${LIVE} live agents, without and with ${STALE} LocalVolumes whose node is gone (compiled operator, --workers ${WORKERS}, --node-lost-grace-ms ${GRACE_MS})`,
  );
  out(`  baseline: plain lvcreate in a row on one agent's VG: ${baseline.toFixed(1)} LVs/s (${BASELINE_LVS} LVs)`);
  out(
    `  stale: ${made.done} Ready on ${gone.name} at ${rate(made).toFixed(1)} volumes/s; all Lost (NodeLost) ${secs(nodeLostMs)} s after its agent stopped, (NodeDeleted) ${secs(nodeDeletedMs)} s after its Pod and Node were deleted`,
  );
  out('');
  const row = (cells: readonly string[]) => out(`  | ${cells.join(' | ')} |`);
  row([
    'phase',
    'stale',
    'ready',
    'volumes/s',
    '× clean',
    'p50 s',
    'p99 s',
    'API writes/vol',
    'reconciles/vol (LV, VR)',
    'calls to gone node',
    'deletions/s',
  ]);
  row(Array.from({ length: 11 }, () => '---'));
  for (const p of phases) {
    const r = (kind: string) => perVolume(p.reconciles.get(kind) ?? 0).toFixed(2);
    row([
      p.phase,
      p.phase === 'clean' ? '0' : `${STALE} ${p.phase === 'node lost' ? 'NodeLost' : 'NodeDeleted'}`,
      `${p.creation.done}/${VOLUMES}`,
      rate(p.creation).toFixed(2),
      (rate(p.creation) / clean).toFixed(2),
      secs(pct(p.creation.latencies, 50)),
      secs(pct(p.creation.latencies, 99)),
      `${perVolume(p.writes.total).toFixed(2)} (${p.writes.conflicts} conflicts)`,
      `${r('LocalVolume')}, ${r('VolumeReplica')}`,
      String(p.goneCalls),
      rate(p.deletion).toFixed(2),
    ]);
  }
} finally {
  await cluster?.teardown().catch((err: Error) => out(`teardown: ${err.message}`));
  await plane.teardown();
}
