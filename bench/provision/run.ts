// Provisioning benchmark (not part of the test suite): `npm run bench:provision`.
//
// BENCH_VOLUMES LocalVolumes (default 1,000) of 1 GiB over BENCH_AGENTS real agents (default 10),
// each agent with one 2 TiB sparse loop device as an LVM pool (real lvm2 metadata, activation
// off), against its own etcd + kube-apiserver; operator and agents run compiled (`npm run build`)
// as real processes, as in production. Prints plain `lvcreate` in a row on one agent's VG (the same run's baseline), the create
// → Ready latency (p50, p99), volumes per second and its ratio to the baseline, API writes per
// volume by verb and resource with conflicts (from kube-apiserver's own request counter, the
// benchmark's creates left out), the CPU time per volume of the whole machine and of each component
// (kube-apiserver, etcd, operator, the agents, their `lvm` processes, the benchmark itself; from
// /proc), the operator's reconciles per volume by kind, the system commands the agents ran per volume (from their own
// metrics), the operator's resident memory (at the end of the burst and once
// settled, with the V8 heap in use); then deletes them all and prints
// the deletion rate and latency, its writes, CPU and agent commands, and the LVs left on the agents. BENCH_CPU_PROFILE=<dir> has the
// operator and the agents write V8 CPU profiles into <dir>/operator and <dir>/agents as they stop.
// Before the operator starts, the control plane alone (bench/api-floor.ts): the same API requests per
// volume with no Stratum process, its CPU per volume and the rate that leaves on this machine's cores,
// printed beside Stratum's. Last, a sustained rate: BENCH_SUSTAINED_RATE creates a second (default 50) for
// BENCH_SUSTAINED_SECONDS (default 20), create → Ready p50/p99 printed, then deleted (0 skips it).
// BENCH_HEAP_SNAPSHOT=<dir>: the operator writes a V8 heap snapshot there once settled with every volume cached.
// BENCH_APISERVER_PROFILE=<file>: kube-apiserver's CPU profile over the first BENCH_APISERVER_PROFILE_SECONDS
// (default 15) of the burst (BENCH_APISERVER_PROFILE_PHASE=deletion: of the deletion), for `go tool pprof -top <file>`.
// The operator runs through bin/stratum-operator with its production flags; BENCH_OPERATOR_NODE_ARGS
// adds Node.js options (through NODE_OPTIONS), BENCH_WORKERS sets --workers (default: the operator's).
// BENCH_FINALIZER_POLICY=0 runs without the install's admission policy, as on a cluster older than
// 1.36: the operator then patches the finalizer onto every new volume itself.
import { availableParallelism } from 'node:os';
import { DEFAULT_SCAN_INTERVAL_MS } from '../../src/agent/config.ts';
import type { StoragePool } from '../../src/api/index.ts';
import { LOCAL_VOLUMES, STORAGE_POOLS, VOLUME_REPLICAS } from '../../src/operator/resources.ts';
import { resourcePath } from '../../src/operator/runtime/kube/client.ts';
import { ControlPlane } from '../../test/rig/control-plane.ts';
import { TestCluster, waitFor } from '../../test/integration/support.ts';
import { removeFinalizerPolicy } from '../../test/helpers/cluster-objects.ts';
import { cpuBetween, readCpu, type Components, type CpuReading } from '../cpu-split.ts';
import { apiFloor, removeApiFloor } from '../api-floor.ts';
import {
  agentCommands,
  apiRequests,
  createVolumes,
  deleteVolumes,
  grown,
  lvcreateInARow,
  lvsLeft,
  operatorGone,
  out,
  pct,
  reconciles,
} from '../support.ts';
import {
  heapMiB,
  heapSnapshot,
  heapSnapshotArgs,
  requireCompiledOperator,
  rssMiB,
  rssParts,
  VolumeWatch,
  writeProfile,
  apiserverCpuProfile,
  servedSize,
} from '../support.ts';

const VOLUMES = Number(process.env.BENCH_VOLUMES ?? 1_000);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 10);
const BASELINE_LVS = 100;
const WORKERS = process.env.BENCH_WORKERS;
const PROFILE = process.env.BENCH_CPU_PROFILE;
const SUSTAINED_RATE = Number(process.env.BENCH_SUSTAINED_RATE ?? 50);
const SUSTAINED_SECONDS = Number(process.env.BENCH_SUSTAINED_SECONDS ?? 20);
const CORES = availableParallelism();
// RSS read twice while idle after the burst: the second shows whether the operator still gives
// memory back after the first.
const SETTLE_READINGS_MS = [15_000, 60_000] as const;
const OPERATOR_NODE_ARGS = (process.env.BENCH_OPERATOR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const HEAP_SNAPSHOT = process.env.BENCH_HEAP_SNAPSHOT;
const FINALIZER_POLICY = process.env.BENCH_FINALIZER_POLICY !== '0';
const APISERVER_PROFILE = process.env.BENCH_APISERVER_PROFILE;
const APISERVER_PROFILE_SECONDS = Number(process.env.BENCH_APISERVER_PROFILE_SECONDS ?? 15);
const APISERVER_PROFILE_PHASE = process.env.BENCH_APISERVER_PROFILE_PHASE ?? 'creation';
if (!['creation', 'deletion'].includes(APISERVER_PROFILE_PHASE))
  throw new Error(`BENCH_APISERVER_PROFILE_PHASE=${APISERVER_PROFILE_PHASE}: creation or deletion`);
/** kube-apiserver's CPU profile over the start of `phase` when asked for it; its failure is held, not thrown meanwhile. */
const profileApiserver = (phase: string): Promise<unknown> | undefined =>
  APISERVER_PROFILE && phase === APISERVER_PROFILE_PHASE
    ? apiserverCpuProfile(plane, APISERVER_PROFILE_SECONDS, APISERVER_PROFILE).then(
        () => undefined,
        (err: unknown) => err,
      )
    : undefined;

requireCompiledOperator('bench/provision');
/** `<prefix>-00000` … : names that sort in the order they were made. */
const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);
const CONTROL_PLANE = new Map([
  ['kube-apiserver', 'kube-apiserver'],
  ['etcd', 'etcd'],
]);

const plane = await ControlPlane.start();
let cluster: TestCluster | undefined;
try {
  cluster = await TestCluster.start({
    agents: AGENTS,
    loopsPerAgent: 1,
    controlPlane: plane,
    harness: {
      loopSizeBytes: 2 * 1024 ** 4,
      extraArgs: ['--pv-metadata-size', '64m'],
      scanIntervalMs: DEFAULT_SCAN_INTERVAL_MS,
      compiled: true,
      ...(PROFILE ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${PROFILE}/agents`] } : {}),
    },
  });
  if (!FINALIZER_POLICY) await removeFinalizerPolicy(cluster.client);
  const pool = `${cluster.prefix}-bench`;
  await cluster.createPool(pool, { mediaClass: 'hdd' });
  await cluster.createStorageClass(`${pool}-sc`, { pool });
  // Before the operator starts, so nothing acts on these objects.
  const floorNames = numbered('floor', VOLUMES);
  const floorParts: Components = { byPid: new Map([[process.pid, 'benchmark']]), byCommand: CONTROL_PLANE };
  const floorWatch = await VolumeWatch.start(cluster.client);
  const floorBefore = readCpu(floorParts);
  const floorMs = await apiFloor(cluster.client, floorWatch, floorNames, pool, cluster.nodes[0]!.name);
  const floorCpu = cpuBetween(floorBefore, readCpu(floorParts));
  floorWatch.stop();
  await removeApiFloor(cluster.client, floorNames);
  const op = await cluster.startOperator('operator-bench', [...(WORKERS ? ['--workers', WORKERS] : []), '--log-level', 'warn'], {
    compiled: true,
    // The production lease, not the tests' short one: a loaded machine must not cost the benchmark its leader.
    leaseDurationMs: 15_000,
    // Its own ServiceAccount and RBAC, as in a cluster.
    kubeconfig: await cluster.operatorAccountKubeconfig(),
    nodeArgs: [
      ...OPERATOR_NODE_ARGS,
      ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}/operator`] : []),
      ...(HEAP_SNAPSHOT ? heapSnapshotArgs(HEAP_SNAPSHOT) : []),
    ],
  });
  // A run at 1,000 volumes takes minutes; this only ends a hung one.
  const died = operatorGone(op, 4 * 60 * 60_000);
  await waitFor(
    'pool ready everywhere',
    async () => (await cluster!.get<StoragePool>(STORAGE_POOLS, pool))?.status?.nodeCount === AGENTS,
    120_000,
    250,
  );

  const vg = `stratum-${pool}`;
  const baseline = await lvcreateInARow(cluster.harness.agents[0]!, vg, BASELINE_LVS);

  const components: Components = {
    byPid: new Map<number, string>([
      [process.pid, 'benchmark'],
      [op.proc.pid!, 'operator'],
      ...cluster.harness.agents.map((a): [number, string] => [a.pid!, 'agents']),
    ]),
    // The agents' long-lived lvm shells, apart from the agents themselves.
    byCommand: new Map([...CONTROL_PLANE, ['lvm', 'lvm']]),
  };
  const watch = await VolumeWatch.start(cluster.client);
  const before = await apiRequests(plane);
  const reconcilesBefore = await reconciles(op);
  const commandsBefore = await agentCommands(cluster.harness.agents);
  // After the readings above: rendering /metrics costs each process CPU that no volume does.
  const cpuBefore = readCpu(components);
  const names = numbered('bench', VOLUMES);
  // A profile's failure is held until its phase is over, then thrown inside this try: the cluster is still torn down.
  const creationProfile = profileApiserver('creation');
  const creation = await createVolumes(cluster.client, watch, names, () => ({ pool, size: '1Gi' }), died);
  const creationProfileFailed = await creationProfile;
  if (creationProfileFailed) throw creationProfileFailed;
  const elapsed = creation.elapsedMs;
  const cpuCreated = readCpu(components);
  const reconcilesCreated = await reconciles(op);
  const afterCreate = await apiRequests(plane);
  const commandsCreated = await agentCommands(cluster.harness.agents);
  const created$ = writeProfile(before, afterCreate, { key: 'POST localvolumes', count: VOLUMES });
  const latencies = creation.latencies;
  const rss = rssMiB(op);
  const firstReplica = watch.get(names[0]!)?.status?.replicas?.[0]?.name;
  const sizes = {
    LocalVolume: await servedSize(plane, resourcePath(LOCAL_VOLUMES, undefined, names[0])),
    VolumeReplica: firstReplica ? await servedSize(plane, resourcePath(VOLUME_REPLICAS, undefined, firstReplica)) : undefined,
  };
  const rate = creation.done / (elapsed / 1000);
  // Idle with every volume cached: what the operator keeps, once the burst's garbage is collected.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_READINGS_MS[0]));
  const early = rssParts(op);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_READINGS_MS[1] - SETTLE_READINGS_MS[0]));
  const settled = rssParts(op);
  const heap = await heapMiB(op);
  if (HEAP_SNAPSHOT) await heapSnapshot(op, HEAP_SNAPSHOT);

  const cpuSettled = readCpu(components);
  const deletionProfile = profileApiserver('deletion');
  const deletion = await deleteVolumes(cluster.client, watch, names, died);
  const cpuDeleted = readCpu(components);
  const deletionProfileFailed = await deletionProfile;
  if (deletionProfileFailed) throw deletionProfileFailed;
  const deleteElapsed = deletion.elapsedMs;
  const deleted$ = writeProfile(afterCreate, await apiRequests(plane), { key: 'DELETE localvolumes', count: VOLUMES });
  const commandsDeleted = await agentCommands(cluster.harness.agents);
  watch.stop();
  const left = await lvsLeft(cluster.harness.agents, vg);
  const deleteRate = deletion.done / (deleteElapsed / 1000);

  const perVolume = (n: number) => (n / VOLUMES).toFixed(2);
  const cpuLine = (from: CpuReading, to: CpuReading) => {
    const { components: parts, machine } = cpuBetween(from, to);
    const named = parts.reduce((sum, [, ms]) => sum + ms, 0);
    const ms = (n: number) => (n / VOLUMES).toFixed(1);
    return `${ms(machine)} ms of the machine's CPU (${parts.map(([c, n]) => `${c} ${ms(n)}`).join(', ')}, other ${ms(machine - named)})`;
  };
  const commandProfile = (before: typeof commandsBefore, after: typeof commandsBefore) => {
    const seconds = grown(before.seconds, after.seconds);
    for (const [command, count] of [...grown(before.count, after.count)].sort((x, y) => y[1] - x[1]))
      out(`      ${perVolume(count).padStart(6)}  ${command} (${(((seconds.get(command) ?? 0) / count) * 1000).toFixed(0)} ms each)`);
  };
  out(
    `bench/provision: ${VOLUMES} LocalVolumes of 1Gi over ${AGENTS} agents (real lvm2 metadata, activation off), compiled operator and agents, ${FINALIZER_POLICY ? 'with' : 'without'} the finalizer admission policy`,
  );
  out(`  baseline:            plain lvcreate in a row on one agent's VG: ${baseline.toFixed(1)} LVs/s (${BASELINE_LVS} LVs)`);
  out(`  ready:               ${creation.done} of ${VOLUMES}`);
  out(`  create → Ready:      p50 ${(pct(latencies, 50) / 1000).toFixed(2)} s, p99 ${(pct(latencies, 99) / 1000).toFixed(2)} s`);
  out(
    `  throughput:          ${rate.toFixed(1)} volumes/s (${(elapsed / 1000).toFixed(1)} s for all) = ${(rate / baseline).toFixed(2)}× the lvcreate baseline`,
  );
  out(
    `  API writes/volume:   ${perVolume(created$.total)} (${created$.conflicts} conflicts; the benchmark's own ${VOLUMES} creates excluded)`,
  );
  for (const [k, n] of created$.by) out(`      ${perVolume(n).padStart(6)}  ${k}`);
  out(`  CPU per volume:      ${cpuLine(cpuBefore, cpuCreated)}`);
  const floorMachine = floorCpu.machine / VOLUMES;
  const created = cpuBetween(cpuBefore, cpuCreated).machine / VOLUMES;
  out(
    `  control plane alone: the same requests with no Stratum process (${VOLUMES} LocalVolumes and VolumeReplicas created, both statuses written, three watches open): ${floorMachine.toFixed(1)} ms of the machine's CPU per volume (${floorCpu.components.map(([c, n]) => `${c} ${(n / VOLUMES).toFixed(1)}`).join(', ')}), ${(VOLUMES / (floorMs / 1000)).toFixed(1)} volumes/s; on ${CORES} cores no faster than ${((CORES * 1000) / floorMachine).toFixed(0)} volumes/s. Stratum's processes add ${(created - floorMachine).toFixed(1)} ms per volume`,
  );
  const size = (s: { bytes: number; managedFields: number } | undefined) =>
    s ? `${s.bytes} bytes (managedFields ${s.managedFields})` : 'none';
  out(`  objects as served:   LocalVolume ${size(sizes.LocalVolume)}, VolumeReplica ${size(sizes.VolumeReplica)}`);
  const reconciled = [...grown(reconcilesBefore, reconcilesCreated)].map(([kind, n]) => `${kind} ${perVolume(n)}`);
  out(`  reconciles/volume:   ${reconciled.join(', ')}`);
  out('  agent commands/volume:');
  commandProfile(commandsBefore, commandsCreated);
  out(
    `  operator RSS:        ${rss.toFixed(0)} MiB at the end of the burst, ${early.total.toFixed(0)} MiB ${SETTLE_READINGS_MS[0] / 1000} s later, ${settled.total.toFixed(0)} MiB ${SETTLE_READINGS_MS[1] / 1000} s later with all ${VOLUMES} cached (mapped files ${settled.files.toFixed(0)}, V8 heap ${heap.used.toFixed(0)} MiB in use of ${heap.total.toFixed(0)}, external ${heap.external.toFixed(0)})`,
  );
  out(
    `  deletion:            ${deletion.done} of ${VOLUMES} gone in ${(deleteElapsed / 1000).toFixed(1)} s = ${deleteRate.toFixed(1)} volumes/s (${(deleteRate / rate).toFixed(2)}× the creation rate), delete → gone p50 ${(pct(deletion.latencies, 50) / 1000).toFixed(2)} s, p99 ${(pct(deletion.latencies, 99) / 1000).toFixed(2)} s; LVs left: ${left}`,
  );
  out(
    `  API writes/deletion: ${perVolume(deleted$.total)} (${deleted$.conflicts} conflicts; the benchmark's own ${VOLUMES} deletes excluded)`,
  );
  for (const [k, n] of deleted$.by) out(`      ${perVolume(n).padStart(6)}  ${k}`);
  out(`  CPU per deletion:    ${cpuLine(cpuSettled, cpuDeleted)}`);
  out('  agent commands/deletion:');
  commandProfile(commandsCreated, commandsDeleted);

  // A steady stream instead of a burst: what a busy cluster asks of it all day.
  if (SUSTAINED_RATE > 0 && SUSTAINED_SECONDS > 0) {
    const count = Math.round(SUSTAINED_RATE * SUSTAINED_SECONDS);
    const steady = numbered('steady', count);
    const watch2 = await VolumeWatch.start(cluster.client);
    const sustained = await createVolumes(cluster.client, watch2, steady, () => ({ pool, size: '1Gi' }), died, {
      perSecond: SUSTAINED_RATE,
    });
    const ms = sustained.latencies;
    out(
      `  sustained:           ${SUSTAINED_RATE} creates/s for ${SUSTAINED_SECONDS} s: ${sustained.done} of ${count} Ready, create → Ready p50 ${(pct(ms, 50) / 1000).toFixed(2)} s, p99 ${(pct(ms, 99) / 1000).toFixed(2)} s, all Ready ${(sustained.elapsedMs / 1000).toFixed(1)} s after the first request`,
    );
    await deleteVolumes(cluster.client, watch2, steady, died);
    watch2.stop();
  }
} finally {
  await cluster?.teardown().catch((err: Error) => out(`teardown: ${err.message}`));
  await plane.teardown();
}
