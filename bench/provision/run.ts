// Provisioning benchmark (not part of the test suite): `npm run bench:provision`.
//
// BENCH_VOLUMES LocalVolumes (default 1,000) of 1 GiB over BENCH_AGENTS real agents (default 10),
// each agent with one 2 TiB sparse loop device as an LVM pool (real lvm2 metadata, activation
// off), against its own etcd + kube-apiserver and the operator as a real process. Prints the
// create → Ready latency (p50, p99), volumes per second, API writes per volume (from
// kube-apiserver's own request counter, the benchmark's creates subtracted) and the operator's
// resident memory at the end.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { CSI_DRIVER_NAME } from '../../src/common/constants.ts';
import type { LocalVolume, StoragePool } from '../../src/api/index.ts';
import { resourcePath } from '../../src/operator/runtime/kube/client.ts';
import { watchResource } from '../../src/operator/runtime/kube/watch.ts';
import { LOCAL_VOLUMES, STORAGE_CLASSES, STORAGE_POOLS } from '../../src/operator/resources.ts';
import { createLogger } from '../../src/common/log.ts';
import { ControlPlane } from '../../test/rig/control-plane.ts';
import { TestCluster, waitFor } from '../../test/integration/support.ts';

const VOLUMES = Number(process.env.BENCH_VOLUMES ?? 1_000);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 10);
const CONCURRENCY = 20;
const out = (line: string) => process.stdout.write(`${line}\n`);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Sum of kube-apiserver's apiserver_request_total for mutating verbs. */
async function apiWrites(plane: ControlPlane): Promise<number> {
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
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('apiserver_request_total{') && /verb="(POST|PUT|PATCH|DELETE|CREATE|UPDATE|APPLY)"/.test(line))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

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
  await cluster.create(STORAGE_POOLS, {
    apiVersion: 'storage.stratum.dev/v1alpha1',
    kind: 'StoragePool',
    metadata: { name: pool },
    spec: { mediaClass: 'hdd' },
  });
  await cluster.create(STORAGE_CLASSES, {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: `${pool}-sc` },
    provisioner: CSI_DRIVER_NAME,
    parameters: { pool },
  });
  const op = await cluster.startOperator('operator-bench', ['--workers', '16', '--log-level', 'warn']);
  await waitFor(
    'pool ready everywhere',
    async () => (await cluster!.get<StoragePool>(STORAGE_POOLS, pool))?.status?.nodeCount === AGENTS,
    120_000,
    250,
  );

  const created = new Map<string, number>();
  const ready = new Map<string, number>();
  let allReady: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    allReady = resolve;
  });
  const sub = watchResource<LocalVolume>(cluster.client, LOCAL_VOLUMES, { log: createLogger('bench', 'silent') }).subscribe((ev) => {
    if (ev.type === 'SYNCED' || ev.type === 'DELETED') return;
    const name = ev.object.metadata.name!;
    if (ev.object.status?.phase === 'Ready' && created.has(name) && !ready.has(name)) {
      ready.set(name, performance.now());
      if (ready.size === VOLUMES) allReady();
    }
  });

  const writesBefore = await apiWrites(plane);
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
  await done;
  clearTimeout(timeout);
  const elapsed = performance.now() - started;
  sub.unsubscribe();
  const writes = (await apiWrites(plane)) - writesBefore - VOLUMES;
  const latencies = names
    .filter((n) => ready.has(n))
    .map((n) => ready.get(n)! - created.get(n)!)
    .sort((a, b) => a - b);
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${op.proc.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

  out(`bench/provision: ${VOLUMES} LocalVolumes of 1Gi over ${AGENTS} agents (real lvm2 metadata, activation off)`);
  out(`  ready:               ${ready.size} of ${VOLUMES}`);
  out(`  create → Ready:      p50 ${(pct(latencies, 50) / 1000).toFixed(2)} s, p99 ${(pct(latencies, 99) / 1000).toFixed(2)} s`);
  out(`  throughput:          ${(ready.size / (elapsed / 1000)).toFixed(1)} volumes/s (${(elapsed / 1000).toFixed(1)} s for all)`);
  out(`  API writes/volume:   ${(writes / VOLUMES).toFixed(2)} (operator and agents' objects; the benchmark's own creates excluded)`);
  out(`  operator RSS:        ${rss.toFixed(0)} MiB`);
} finally {
  await cluster?.teardown().catch((err: Error) => out(`teardown: ${err.message}`));
  await plane.teardown();
}
