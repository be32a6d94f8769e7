// Provisioning benchmark (not part of the test suite): `npm run bench:provision`.
//
// BENCH_VOLUMES LocalVolumes (default 1,000) of 1 GiB over BENCH_AGENTS real agents (default 10),
// each agent with one 2 TiB sparse loop device as an LVM pool (real lvm2 metadata, activation
// off), against its own etcd + kube-apiserver and the compiled operator (`npm run build`) as a real
// process. Prints plain `lvcreate` in a row on one agent's VG (the same run's baseline), the create
// → Ready latency (p50, p99), volumes per second and its ratio to the baseline, API writes per
// volume by verb and resource with conflicts (from kube-apiserver's own request counter, the
// benchmark's creates left out), the operator's resident memory; then deletes them all and prints
// the deletion rate, its writes, and the LVs left on the agents.
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import type { LocalVolume, StoragePool } from '../../src/api/index.ts';
import { resourcePath } from '../../src/operator/runtime/kube/client.ts';
import { watchResource } from '../../src/operator/runtime/kube/watch.ts';
import { LOCAL_VOLUMES, STORAGE_POOLS } from '../../src/operator/resources.ts';
import { createLogger } from '../../src/common/log.ts';
import { ControlPlane } from '../../test/rig/control-plane.ts';
import { TestCluster, waitFor } from '../../test/integration/support.ts';
import type { TestAgent } from '../../test/helpers/agent-harness.ts';

const VOLUMES = Number(process.env.BENCH_VOLUMES ?? 1_000);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 10);
const CONCURRENCY = 20;
const BASELINE_LVS = 100;
const WORKERS = process.env.BENCH_WORKERS ?? '16';
const out = (line: string) => process.stdout.write(`${line}\n`);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** kube-apiserver's apiserver_request_total samples, keyed "VERB resource[/subresource] code". */
async function apiRequests(plane: ControlPlane): Promise<Map<string, number>> {
  const kc = plane.kubeConfig();
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const text = await new Promise<string>((resolve, reject) => {
    https
      .get(`${plane.server}/metrics`, opts, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const label = (name: string) => new RegExp(`[{,]${name}="([^"]*)"`).exec(line)?.[1] ?? '';
    const sub = label('subresource');
    const key = `${label('verb')} ${label('resource')}${sub ? `/${sub}` : ''} ${label('code')}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

const WRITE_VERBS = /^(POST|PUT|PATCH|DELETE|APPLY) /;

/** Writes between two samples, by "VERB resource" (conflicts counted apart), largest first; `own` are the benchmark's, left out. */
function writeProfile(before: Map<string, number>, after: Map<string, number>, own: { key: string; count: number }) {
  const by = new Map<string, number>();
  let total = 0;
  let conflicts = 0;
  for (const [key, n] of after) {
    const d = n - (before.get(key) ?? 0);
    if (!d || !WRITE_VERBS.test(key)) continue;
    const [verb, resource, code] = key.split(' ');
    total += d;
    if (code === '409') conflicts += d;
    const k = `${verb} ${resource}${code === '409' ? ' (409 conflict)' : ''}`;
    by.set(k, (by.get(k) ?? 0) + d);
  }
  by.set(own.key, (by.get(own.key) ?? 0) - own.count);
  total -= own.count;
  return { total, conflicts, by: [...by].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]) };
}

/** Rate of `count` plain `lvcreate` processes in a row on agent 0's VG: the ceiling of one command per volume. */
async function lvcreateInARow(agent: TestAgent, vg: string, count: number): Promise<number> {
  const names = Array.from({ length: count }, (_, i) => `baseline-${i}`);
  const t0 = performance.now();
  for (const lv of names) await agent.lvm('lvcreate', ['--yes', '-an', '-Zn', '-Wy', '-n', lv, '-L', `${1024 ** 3}b`, vg]);
  const rate = count / ((performance.now() - t0) / 1000);
  await agent.lvm('lvremove', ['--yes', ...names.map((lv) => `${vg}/${lv}`)]);
  return rate;
}

async function lvsLeft(agents: readonly TestAgent[], vg: string): Promise<number> {
  let n = 0;
  for (const a of agents) n += (await a.lvm('lvs', ['--noheadings', '-o', 'lv_name', vg])).split('\n').filter((l) => l.trim()).length;
  return n;
}

if (!existsSync(new URL('../../dist/operator/main.js', import.meta.url)))
  throw new Error('bench/provision measures the compiled operator: run npm run build first');
const plane = await ControlPlane.start();
let cluster: TestCluster | undefined;
try {
  cluster = await TestCluster.start({
    agents: AGENTS,
    loopsPerAgent: 1,
    controlPlane: plane,
    harness: { loopSizeBytes: 2 * 1024 ** 4, extraArgs: ['--pv-metadata-size', '64m'], scanIntervalMs: 5_000 },
  });
  const pool = `${cluster.prefix}-bench`;
  await cluster.createPool(pool, { mediaClass: 'hdd' });
  await cluster.createStorageClass(`${pool}-sc`, { pool });
  const op = await cluster.startOperator('operator-bench', ['--workers', WORKERS, '--log-level', 'warn'], {
    compiled: true,
    // The production lease, not the tests' short one: a loaded machine must not cost the benchmark its leader.
    leaseDurationMs: 15_000,
  });
  const died = op.proc.whenExited().then(() => {
    throw new Error(`the operator exited during the benchmark; see ${op.proc.logFile}`);
  });
  await waitFor(
    'pool ready everywhere',
    async () => (await cluster!.get<StoragePool>(STORAGE_POOLS, pool))?.status?.nodeCount === AGENTS,
    120_000,
    250,
  );

  const vg = `stratum-${pool}`;
  const baseline = await lvcreateInARow(cluster.harness.agents[0]!, vg, BASELINE_LVS);

  const created = new Map<string, number>();
  const ready = new Map<string, number>();
  let allReady: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    allReady = resolve;
  });
  const deleted = new Set<string>();
  let allDeleted: () => void = () => undefined;
  const gone = new Promise<void>((resolve) => {
    allDeleted = resolve;
  });
  const sub = watchResource<LocalVolume>(cluster.client, LOCAL_VOLUMES, { log: createLogger('bench', 'silent') }).subscribe((ev) => {
    if (ev.type === 'SYNCED') return;
    const name = ev.object.metadata.name!;
    if (ev.type === 'DELETED') {
      deleted.add(name);
      if (deleted.size === VOLUMES) allDeleted();
      return;
    }
    if (ev.object.status?.phase === 'Ready' && created.has(name) && !ready.has(name)) {
      ready.set(name, performance.now());
      if (ready.size === VOLUMES) allReady();
    }
  });

  const before = await apiRequests(plane);
  const started = performance.now();
  const names = Array.from({ length: VOLUMES }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
  for (let i = 0; i < names.length; i += CONCURRENCY) {
    await Promise.all(
      names.slice(i, i + CONCURRENCY).map(async (name) => {
        created.set(name, performance.now());
        await cluster!.client.request('POST', resourcePath(LOCAL_VOLUMES), {
          body: { apiVersion: 'storage.stratum.dev/v1alpha1', kind: 'LocalVolume', metadata: { name }, spec: { pool, size: '1Gi' } },
        });
      }),
    );
  }
  const timeout = setTimeout(() => allReady(), 30 * 60_000);
  await Promise.race([done, died]);
  clearTimeout(timeout);
  const elapsed = performance.now() - started;
  const afterCreate = await apiRequests(plane);
  const created$ = writeProfile(before, afterCreate, { key: 'POST localvolumes', count: VOLUMES });
  const latencies = names
    .filter((n) => ready.has(n))
    .map((n) => ready.get(n)! - created.get(n)!)
    .sort((a, b) => a - b);
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${op.proc.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const rate = ready.size / (elapsed / 1000);

  const deleteStarted = performance.now();
  for (let i = 0; i < names.length; i += CONCURRENCY) {
    await Promise.all(
      names.slice(i, i + CONCURRENCY).map((name) => cluster!.client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, name))),
    );
  }
  const deleteTimeout = setTimeout(() => allDeleted(), 30 * 60_000);
  await Promise.race([gone, died]);
  clearTimeout(deleteTimeout);
  const deleteElapsed = performance.now() - deleteStarted;
  const deleted$ = writeProfile(afterCreate, await apiRequests(plane), { key: 'DELETE localvolumes', count: VOLUMES });
  sub.unsubscribe();
  const left = await lvsLeft(cluster.harness.agents, vg);
  const deleteRate = deleted.size / (deleteElapsed / 1000);

  const perVolume = (n: number) => (n / VOLUMES).toFixed(2);
  out(`bench/provision: ${VOLUMES} LocalVolumes of 1Gi over ${AGENTS} agents (real lvm2 metadata, activation off), compiled operator`);
  out(`  baseline:            plain lvcreate in a row on one agent's VG: ${baseline.toFixed(1)} LVs/s (${BASELINE_LVS} LVs)`);
  out(`  ready:               ${ready.size} of ${VOLUMES}`);
  out(`  create → Ready:      p50 ${(pct(latencies, 50) / 1000).toFixed(2)} s, p99 ${(pct(latencies, 99) / 1000).toFixed(2)} s`);
  out(
    `  throughput:          ${rate.toFixed(1)} volumes/s (${(elapsed / 1000).toFixed(1)} s for all) = ${(rate / baseline).toFixed(2)}× the lvcreate baseline`,
  );
  out(
    `  API writes/volume:   ${perVolume(created$.total)} (${created$.conflicts} conflicts; the benchmark's own ${VOLUMES} creates excluded)`,
  );
  for (const [k, n] of created$.by) out(`      ${perVolume(n).padStart(6)}  ${k}`);
  out(`  operator RSS:        ${rss.toFixed(0)} MiB`);
  out(
    `  deletion:            ${deleted.size} of ${VOLUMES} gone in ${(deleteElapsed / 1000).toFixed(1)} s = ${deleteRate.toFixed(1)} volumes/s (${(deleteRate / rate).toFixed(2)}× the creation rate); LVs left: ${left}`,
  );
  out(
    `  API writes/deletion: ${perVolume(deleted$.total - VOLUMES)} (${deleted$.conflicts} conflicts; the benchmark's own ${VOLUMES} deletes excluded)`,
  );
  for (const [k, n] of deleted$.by) out(`      ${perVolume(n).padStart(6)}  ${k}`);
} finally {
  await cluster?.teardown().catch((err: Error) => out(`teardown: ${err.message}`));
  await plane.teardown();
}
