// What the benchmarks that drive LocalVolumes through a real control plane share (bench/provision,
// bench/stale): kube-apiserver's write profile, the plain-lvcreate baseline, a LocalVolume watch
// that times each volume reaching a state, and bursts of creates and deletes timed through it.
import { setTimeout as sleep } from 'node:timers/promises';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import type { Subscription } from 'rxjs';
import type { LocalVolume } from '../src/api/index.ts';
import { API_GROUP_VERSION } from '../src/common/constants.ts';
import { createLogger } from '../src/common/log.ts';
import { resourcePath, type KubeClient } from '../src/operator/runtime/kube/client.ts';
import { watchResource } from '../src/operator/runtime/kube/watch.ts';
import { LOCAL_VOLUMES } from '../src/operator/resources.ts';
import type { TestAgent } from '../test/helpers/agent-harness.ts';
import { OPERATOR_BUNDLE, type OperatorProcess } from '../test/helpers/operator-process.ts';
import type { ControlPlane } from '../test/rig/control-plane.ts';
import { parseSamples, summedSamples } from '../test/helpers/prometheus-text.ts';

/** Requests in flight at once when a benchmark creates or deletes volumes. */
export const CONCURRENCY = 20;
export const out = (line: string) => process.stdout.write(`${line}\n`);
export const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** The benchmarks measure the operator as production runs it: compiled. */
export function requireCompiledOperator(bench: string): void {
  if (!existsSync(OPERATOR_BUNDLE)) throw new Error(`${bench} measures the compiled operator: run npm run build first`);
}

/** A promise that rejects when the operator exits (or `deadlineMs` passes): race every wait against it so a dead operator ends the run. */
export function operatorGone(op: OperatorProcess, deadlineMs: number): Promise<never> {
  const gone = Promise.race([
    op.proc.whenExited().then(() => {
      throw new Error(`the operator exited during the benchmark; see ${op.proc.logFile}`);
    }),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the benchmark ran past ${deadlineMs} ms`)), deadlineMs).unref()),
  ]);
  // Handled here, so the rejection at teardown (the operator stopped on purpose) is no crash.
  gone.catch(() => undefined);
  return gone;
}

/** The operator's resident memory in MiB. */
export function rssMiB(op: OperatorProcess): number {
  return rssParts(op).total;
}

/** Resident memory in MiB, and of it the pages of mapped files (node's own code, shared libraries). */
export function rssParts(op: OperatorProcess): { total: number; files: number } {
  const status = readFileSync(`/proc/${op.proc.pid}/status`, 'utf8');
  const kB = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  return { total: kB('VmRSS'), files: kB('RssFile') };
}

/** Node.js options that let the bench ask the operator for a heap snapshot into `dir`. */
export function heapSnapshotArgs(dir: string): string[] {
  return ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`];
}

/** Asks the operator (started with heapSnapshotArgs) for a V8 heap snapshot and waits until it is written. */
export async function heapSnapshot(op: OperatorProcess, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(op.proc.pid!, 'SIGUSR2');
  // The operator stops while it writes; the file is complete once its size holds for a second.
  let last = -1;
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(1_000)) {
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    const size = statSync(path.join(dir, file)).size;
    if (size > 0 && size === last) return path.join(dir, file);
    last = size;
  }
  throw new Error(`no heap snapshot from the operator in ${dir} within 180 s`);
}

/** The operator's V8 heap (in use, and reserved by V8) and memory outside it, MiB, from its own gauges. */
export async function heapMiB(op: OperatorProcess): Promise<{ used: number; total: number; external: number }> {
  const found = parseSamples(await op.metrics());
  const gauge = (name: string) => (found.find((s) => s.name === `stratum_nodejs_${name}`)?.value ?? 0) / 1024 ** 2;
  return { used: gauge('heap_size_used_bytes'), total: gauge('heap_size_total_bytes'), external: gauge('external_memory_bytes') };
}

/** The system commands every agent has run so far, by command: how many, and the seconds they took, summed over the agents. */
export async function agentCommands(agents: readonly TestAgent[]): Promise<{ count: Map<string, number>; seconds: Map<string, number> }> {
  const totals = await Promise.all(agents.map((a) => a.commandTotals(10_000)));
  const summed = (part: 'count' | 'seconds') => {
    const sum = new Map<string, number>();
    for (const t of totals) for (const [command, n] of t[part]) sum.set(command, (sum.get(command) ?? 0) + n);
    return sum;
  };
  return { count: summed('count'), seconds: summed('seconds') };
}

/** The operator's reconciles so far, by kind. */
export async function reconciles(op: OperatorProcess): Promise<Map<string, number>> {
  return summedSamples(await op.metrics(), 'stratum_reconcile_total', (label) => label('kind'));
}

/** kube-apiserver's apiserver_request_total samples, keyed "VERB resource[/subresource] code". */
export async function apiRequests(plane: ControlPlane): Promise<Map<string, number>> {
  const text = (await buffer(await apiserverGet(plane, '/metrics', 60_000))).toString();
  return summedSamples(text, 'apiserver_request_total', (label) => {
    const sub = label('subresource');
    return `${label('verb')} ${label('resource')}${sub ? `/${sub}` : ''} ${label('code')}`;
  });
}

/** kube-apiserver's own CPU profile over the next `seconds` (Go's pprof format, for `go tool pprof`), written to `file`. */
export async function apiserverCpuProfile(plane: ControlPlane, seconds: number, file: string): Promise<void> {
  const res = await apiserverGet(plane, `/debug/pprof/profile?seconds=${seconds}`, (seconds + 60) * 1000);
  await pipeline(res, createWriteStream(file));
}

/** An object's size as the API server serves it (JSON), and how much of it is managedFields. */
export async function servedSize(plane: ControlPlane, urlPath: string): Promise<{ bytes: number; managedFields: number }> {
  const text = (await buffer(await apiserverGet(plane, urlPath, 30_000))).toString();
  const obj = JSON.parse(text) as { metadata?: { managedFields?: unknown } };
  return { bytes: Buffer.byteLength(text), managedFields: Buffer.byteLength(JSON.stringify(obj.metadata?.managedFields ?? [])) };
}

/** GET `urlPath` from kube-apiserver as the rig's admin; the answer must be a 200 within `timeoutMs`. */
async function apiserverGet(plane: ControlPlane, urlPath: string, timeoutMs: number): Promise<IncomingMessage> {
  const opts: https.RequestOptions = { timeout: timeoutMs };
  await plane.kubeConfig().applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = https.get(`${plane.server}${urlPath}`, opts, (res) => {
      if (res.statusCode === 200) return resolve(res);
      res.resume();
      reject(new Error(`GET ${urlPath} from kube-apiserver: HTTP ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} from kube-apiserver: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** What grew between two samples of the same counters, by key. */
export function grown(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const d = new Map<string, number>();
  for (const [k, n] of after) if (n - (before.get(k) ?? 0) > 0) d.set(k, n - (before.get(k) ?? 0));
  return d;
}

const WRITE_VERBS = /^(POST|PUT|PATCH|DELETE|APPLY) /;

/** Writes between two samples, by "VERB resource" (conflicts counted apart), largest first; `own` are the benchmark's, left out. */
export function writeProfile(before: Map<string, number>, after: Map<string, number>, own: { key: string; count: number }) {
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

/** Rate of `count` plain `lvcreate` processes in a row on the agent's VG: the ceiling of one command per volume. */
export async function lvcreateInARow(agent: TestAgent, vg: string, count: number): Promise<number> {
  const names = Array.from({ length: count }, (_, i) => `baseline-${i}`);
  const t0 = performance.now();
  for (const lv of names) await agent.lvm('lvcreate', ['--yes', '-an', '-Zn', '-Wy', '-n', lv, '-L', `${1024 ** 3}b`, vg]);
  const rate = count / ((performance.now() - t0) / 1000);
  await agent.lvm('lvremove', ['--yes', ...names.map((lv) => `${vg}/${lv}`)]);
  return rate;
}

export async function lvsLeft(agents: readonly TestAgent[], vg: string): Promise<number> {
  let n = 0;
  for (const a of agents) n += (await a.lvm('lvs', ['--noheadings', '-o', 'lv_name', vg])).split('\n').filter((l) => l.trim()).length;
  return n;
}

/** When each named volume first met a condition (performance.now()), and those that did not in time. */
export interface Reached {
  readonly at: Map<string, number>;
  readonly missing: string[];
}

/** Every LocalVolume as the watch last showed it; `until` times volumes reaching a state. */
export class VolumeWatch {
  private readonly latest = new Map<string, LocalVolume>();
  private readonly waiters = new Set<(name: string, v: LocalVolume | undefined) => void>();
  private sub?: Subscription;

  private constructor() {}

  /** Resolves once the watch has listed what exists, so no later event is missed. */
  static start(client: KubeClient): Promise<VolumeWatch> {
    const w = new VolumeWatch();
    return new Promise((resolve, reject) => {
      w.sub = watchResource<LocalVolume>(client, LOCAL_VOLUMES, { log: createLogger('bench', 'silent') }).subscribe({
        next: (ev) => {
          if (ev.type === 'SYNCED') return resolve(w);
          const name = ev.object.metadata.name!;
          if (ev.type === 'DELETED') w.latest.delete(name);
          else w.latest.set(name, ev.object);
          for (const see of w.waiters) see(name, w.latest.get(name));
        },
        error: reject,
      });
    });
  }

  get(name: string): LocalVolume | undefined {
    return this.latest.get(name);
  }

  /**
   * Resolves when `holds` is true of every named volume (undefined: none by that name), or after
   * `timeoutMs` with those that never held; rejects when `stop` does. Listening starts before this
   * returns, so a caller may create the volumes afterwards.
   */
  until(
    names: readonly string[],
    holds: (v: LocalVolume | undefined) => boolean,
    timeoutMs: number,
    stop: Promise<never>,
  ): Promise<Reached> {
    const pending = new Set(names);
    const at = new Map<string, number>();
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const see = (name: string, v: LocalVolume | undefined) => {
      if (!pending.has(name) || !holds(v)) return;
      pending.delete(name);
      at.set(name, performance.now());
      if (!pending.size) finish();
    };
    this.waiters.add(see);
    for (const n of names) see(n, this.latest.get(n));
    if (!pending.size) finish();
    const timer = setTimeout(finish, timeoutMs);
    const reached = Promise.race([done, stop])
      .then(() => ({ at, missing: [...pending] }))
      .finally(() => {
        clearTimeout(timer);
        this.waiters.delete(see);
      });
    // The caller awaits it after its own requests: a rejection meanwhile must not count as unhandled.
    reached.catch(() => undefined);
    return reached;
  }

  stop(): void {
    this.sub?.unsubscribe();
  }
}

export interface Burst {
  readonly count: number;
  /** Volumes that got there in time. */
  readonly done: number;
  /** From the first request to the last volume done (or the timeout). */
  readonly elapsedMs: number;
  /** Request → done per volume, ascending. */
  readonly latencies: number[];
  readonly missing: string[];
}

/** `each` for every name, CONCURRENCY at a time. */
export async function inBatches(names: readonly string[], each: (name: string, i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < names.length; i += CONCURRENCY)
    await Promise.all(names.slice(i, i + CONCURRENCY).map((name, j) => each(name, i + j)));
}

/** Each request at its own time: `perSecond` of them per second from now, however long each takes. */
async function paced(names: readonly string[], perSecond: number, each: (name: string, i: number) => Promise<unknown>): Promise<void> {
  const start = performance.now();
  await Promise.all(
    names.map(async (name, i) => {
      await sleep(Math.max(0, start + (i * 1000) / perSecond - performance.now()));
      await each(name, i);
    }),
  );
}

/**
 * Creates the volumes, CONCURRENCY requests at a time (a burst) or `perSecond` a second (a
 * sustained rate), and times each until it is Ready.
 */
export async function createVolumes(
  client: KubeClient,
  watch: VolumeWatch,
  names: readonly string[],
  spec: (i: number) => Record<string, unknown>,
  stop: Promise<never>,
  opts: { timeoutMs?: number; perSecond?: number } = {},
): Promise<Burst> {
  const sent = new Map<string, number>();
  const started = performance.now();
  const ready = watch.until(names, (v) => v?.status?.phase === 'Ready', opts.timeoutMs ?? 30 * 60_000, stop);
  const create = async (name: string, i: number) => {
    sent.set(name, performance.now());
    await client.request('POST', resourcePath(LOCAL_VOLUMES), {
      body: { apiVersion: API_GROUP_VERSION, kind: 'LocalVolume', metadata: { name }, spec: spec(i) },
    });
  };
  await (opts.perSecond ? paced(names, opts.perSecond, create) : inBatches(names, create));
  return burst(names, sent, started, await ready);
}

/** Deletes the volumes, CONCURRENCY requests at a time, and times each until it is gone (finalizers released). */
export async function deleteVolumes(
  client: KubeClient,
  watch: VolumeWatch,
  names: readonly string[],
  stop: Promise<never>,
  timeoutMs = 30 * 60_000,
): Promise<Burst> {
  const sent = new Map<string, number>();
  const started = performance.now();
  const gone = watch.until(names, (v) => !v, timeoutMs, stop);
  await inBatches(names, async (name) => {
    sent.set(name, performance.now());
    await client.request('DELETE', resourcePath(LOCAL_VOLUMES, undefined, name));
  });
  return burst(names, sent, started, await gone);
}

function burst(names: readonly string[], sent: Map<string, number>, started: number, reached: Reached): Burst {
  const latencies = names
    .filter((n) => reached.at.has(n))
    .map((n) => reached.at.get(n)! - sent.get(n)!)
    .sort((a, b) => a - b);
  return { count: names.length, done: reached.at.size, elapsedMs: performance.now() - started, latencies, missing: reached.missing };
}
