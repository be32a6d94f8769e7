// The whole test suite: typecheck, then each test file in its own uvu process (a crash, a
// leak or a time-out is then pinned on one file and the files after it still run), then one
// summed line `N passed, N failed, N skipped` for CI. Suites that talk to Kubernetes share one
// real control plane, started here once and torn down at the end, also on failure and Ctrl-C.
//
// Nothing reads as green by accident: a file that crashed before uvu's summary, ran zero tests,
// failed a hook or was killed, a selection that matched no file, and anything a file left behind
// (loop devices, mounts, processes: see lib/leftovers.ts) is a problem, listed before the
// closing line and counted there as one failure. Typecheck is a check, not a test: it prints its
// own line and only a failure of it reaches the counts (as a problem).
//
//   npm test                 every suite
//   npm test -- unit agent   only the named suites
//   npm test -- integration --filter volumes   only the files of those suites whose name matches
//   npm test -- lab          the VM lab (test/lab): Debian's kernel under qemu, the agent inside
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describeLeftovers, findLeftovers, removeLeftovers, RUN_MARKER_ENV } from './lib/leftovers.ts';
import { judgeFile, judgeFiles, Tally } from './lib/test-verdict.ts';

interface Suite {
  readonly name: string;
  /** Folder under test/ holding `*.test.ts` files. */
  readonly dir: string;
  /** Needs the shared control plane (etcd + kube-apiserver). */
  readonly controlPlane?: boolean;
  /** Upper bound for the whole suite; the running file is killed past it and the rest never run. */
  readonly timeoutMs: number;
  /** Needs the system tools (lvm2, mkfs, drbd-utils …) that scripts/install-deps installs. */
  readonly systemTools?: boolean;
  /** Boots VMs: needs the lab kernel (scripts/lab/build) and the compiled agent (npm run build). */
  readonly vms?: boolean;
  /** Runs pods on real kubelets in VMs: needs the node binaries (scripts/lab/build-node) and Stratum's image (scripts/image/build.ts). */
  readonly kubeNodes?: boolean;
  /**
   * Pure and fast: all files in one process (a process per file would triple its time). Counts
   * are still read per file; a crash reruns the files one by one to name the one that crashed.
   * @default false
   */
  readonly oneProcess?: boolean;
}

const SUITES: readonly Suite[] = [
  { name: 'unit', dir: 'unit', systemTools: true, timeoutMs: 5 * 60_000, oneProcess: true },
  { name: 'rig', dir: 'rig', controlPlane: true, timeoutMs: 10 * 60_000 },
  { name: 'agent', dir: 'agent', systemTools: true, timeoutMs: 20 * 60_000 },
  { name: 'operator', dir: 'operator', controlPlane: true, systemTools: true, timeoutMs: 20 * 60_000 },
  { name: 'integration', dir: 'integration', controlPlane: true, systemTools: true, timeoutMs: 30 * 60_000 },
  { name: 'lab', dir: 'lab', controlPlane: true, systemTools: true, vms: true, timeoutMs: 20 * 60_000 },
  // Thin-pool snapshots, restores and clones on a VM, csi-sanity's snapshot specs and the snapshot controller (about 7 min).
  { name: 'lab-snapshots', dir: 'lab-snapshots', controlPlane: true, systemTools: true, vms: true, timeoutMs: 20 * 60_000 },
  // DRBD between three VMs: full syncs, a node killed and rebooted; its own bound (about 12.5 min).
  { name: 'lab-replication', dir: 'lab-replication', controlPlane: true, systemTools: true, vms: true, timeoutMs: 40 * 60_000 },
  // The install on real kubelets and containerd in VMs, with Stratum's image imported (about 25 min).
  {
    name: 'lab-install',
    dir: 'lab-install',
    controlPlane: true,
    systemTools: true,
    vms: true,
    kubeNodes: true,
    timeoutMs: 45 * 60_000,
  },
];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const UVU = path.join(root, 'node_modules/uvu/bin.js');

interface RunResult {
  code: number;
  output: string;
  killedAfterMs?: number;
}

/** Runs a command with its output passed through as it comes, unless `quiet` (then it is only returned). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, quiet = false): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let killed = false;
    const onData = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString();
      if (!quiet) stream.write(chunk);
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    const timer = setTimeout(() => {
      killed = true;
      process.stderr.write(`\n[test] ${cmd} ${args.join(' ')} exceeded ${timeoutMs / 1000} s: killing it\n`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 1 : 0), output, ...(killed ? { killedAfterMs: timeoutMs } : {}) });
    });
  });
}

/** The suite's test files as uvu selects them (pattern matched case-blind against the path under the folder), sorted as uvu runs them. */
async function testFiles(dir: string, pattern: RegExp): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .filter((f) => pattern.test(f))
    .sort((a, b) => a.localeCompare(b));
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Runs uvu on `pattern` under test/<suite.dir> with its own TMPDIR and run marker; afterwards
 * whatever it left behind there is listed as problems and removed.
 */
async function runUvu(
  suite: Suite,
  pattern: string,
  name: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<RunResult & { leftovers: string[] }> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'stratum-test-'));
  const marker = randomUUID();
  const res = await run(
    process.execPath,
    ['--import', 'tsx', UVU, path.join('test', suite.dir), pattern, '--no-color'],
    { ...env, TMPDIR: tmp, [RUN_MARKER_ENV]: marker },
    timeoutMs,
  );
  const found = await findLeftovers(tmp, marker);
  const leftovers = describeLeftovers(name, found);
  const notRemoved = await removeLeftovers(tmp, found);
  leftovers.push(...notRemoved.map((e) => `${name}: could not remove what it left: ${e}`));
  return { ...res, leftovers };
}

/** Runs each file in its own process within the suite's time budget. */
async function runFileByFile(suite: Suite, files: readonly string[], env: NodeJS.ProcessEnv, tally: Tally): Promise<void> {
  const deadline = Date.now() + suite.timeoutMs;
  for (const [i, file] of files.entries()) {
    const name = `${suite.name}/${file}`;
    const left = deadline - Date.now();
    if (left <= 0) {
      for (const f of files.slice(i))
        tally.problems.push(`${suite.name}/${f}: never ran (the suite's ${suite.timeoutMs / 1000} s were spent)`);
      return;
    }
    process.stdout.write(`\n[test] ${name}\n`);
    const started = Date.now();
    const res = await runUvu(suite, `^${escapeRegExp(file)}$`, name, env, left);
    const verdict = judgeFile({ name, output: res.output, exitCode: res.code, killedAfterMs: res.killedAfterMs });
    const problems = [...verdict.problems, ...res.leftovers];
    tally.add({ counts: verdict.counts, problems });
    const c = verdict.counts;
    process.stdout.write(
      `[test] ${name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
    );
    for (const p of problems) process.stderr.write(`[test] PROBLEM ${p}\n`);
  }
}

async function runSuite(suite: Suite, pattern: string, files: readonly string[], env: NodeJS.ProcessEnv, tally: Tally): Promise<void> {
  if (!suite.oneProcess) await runFileByFile(suite, files, env, tally);
  else {
    const res = await runUvu(suite, pattern, suite.name, env, suite.timeoutMs);
    const verdict = judgeFiles({ name: suite.name, output: res.output, exitCode: res.code, killedAfterMs: res.killedAfterMs }, files);
    if (verdict) {
      const problems = [...verdict.problems, ...res.leftovers];
      tally.add({ counts: verdict.counts, problems });
      const c = verdict.counts;
      process.stdout.write(`[test] ${suite.name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped\n`);
      for (const p of problems) process.stderr.write(`[test] PROBLEM ${p}\n`);
    } else {
      process.stderr.write(`[test] suite ${suite.name} did not finish: running its files one by one to name the one that failed\n`);
      tally.problems.push(...res.leftovers);
      await runFileByFile(suite, files, env, tally);
    }
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const filterAt = args.indexOf('--filter');
  const filter = filterAt >= 0 ? args.splice(filterAt, 2)[1] : undefined;
  const wanted = args;
  const unknown = wanted.filter((w) => w !== 'typecheck' && !SUITES.some((s) => s.name === w));
  if (unknown.length) {
    process.stderr.write(`unknown suite(s): ${unknown.join(', ')}; known: typecheck, ${SUITES.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const selected = wanted.length ? SUITES.filter((s) => wanted.includes(s.name)) : SUITES;
  const tally = new Tally();
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };

  if (!wanted.length || wanted.includes('typecheck')) {
    // Checks, not tests: a pass is not counted, a failure is a problem (and so a failure in the counts).
    const checks: [string, string[]][] = [
      ['typecheck (tsc --noEmit)', [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root]],
      ['lint and format (biome check)', [path.join(root, 'node_modules/@biomejs/biome/bin/biome'), 'check', root]],
    ];
    for (const [name, args] of checks) {
      process.stdout.write(`\n[test] ${name}\n`);
      const res = await run(process.execPath, args, env, 5 * 60_000);
      if (res.code === 0) process.stdout.write(`[test] ${name} passed (a check, not a test: not in the counts)\n`);
      else tally.problems.push(`${name} exited ${res.code}`);
    }
  }

  // Prerequisites are part of the test command, so a fresh machine needs nothing else: each step
  // is a no-op (or quick) when already done. A failure here fails the run; it is never a skip.
  const vms = selected.some((s) => s.vms);
  const kubeNodes = selected.some((s) => s.kubeNodes);
  const prerequisites: [string, string[], boolean][] = [
    ['scripts/install-deps', ['bash', path.join(root, 'scripts/install-deps')], selected.some((s) => s.systemTools || s.controlPlane)],
    ['scripts/rig/build', ['bash', path.join(root, 'scripts/rig/build')], selected.some((s) => s.controlPlane)],
    ['scripts/lab/build', ['bash', path.join(root, 'scripts/lab/build')], vms],
    // The VMs run bin/stratum-agent, which prefers the compiled agent: a TypeScript loader
    // costs tens of seconds per start under software emulation.
    [
      'npm run build',
      [process.execPath, path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')],
      vms,
    ],
  ];
  for (const [name, [cmd, ...args], needed] of prerequisites) {
    if (!needed) continue;
    process.stdout.write(`\n[test] ${name}\n`);
    const res = await run(cmd!, args, env, 60 * 60_000);
    if (res.code !== 0) tally.problems.push(`${name} failed (exit ${res.code}); the suites that need it fail too`);
  }
  // What only the real-node suites need is built while the suites before them run: on a fresh
  // machine that is tens of minutes of Go builds. Its output is shown when a suite waits for it.
  const nodePrerequisites: [string, string[]][] = [
    ['scripts/lab/build-node', ['bash', path.join(root, 'scripts/lab/build-node')]],
    ['scripts/image/build.ts', [process.execPath, '--import', 'tsx', path.join(root, 'scripts/image/build.ts')]],
  ];
  const nodeBuilds = kubeNodes
    ? (async () => {
        const results: [string, RunResult][] = [];
        for (const [name, [cmd, ...args]] of nodePrerequisites) results.push([name, await run(cmd!, args, env, 75 * 60_000, true)]);
        return results;
      })()
    : undefined;
  let nodeBuildsReported = false;
  const awaitNodeBuilds = async () => {
    if (!nodeBuilds || nodeBuildsReported) return;
    nodeBuildsReported = true;
    for (const [name, res] of await nodeBuilds) {
      process.stdout.write(`\n[test] ${name} (built while the suites before ran)\n${res.output}`);
      if (res.code !== 0) tally.problems.push(`${name} failed (exit ${res.code}); the suites that need it fail too`);
    }
  };

  let stopControlPlane: (() => Promise<void>) | undefined;
  const stopOnSignal = (signal: NodeJS.Signals) => {
    void (stopControlPlane?.() ?? Promise.resolve()).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  // Without --filter every suite must have test files; with it, at least one selected suite must
  // (`rig integration --filter kubectl` is fine; a misspelt filter matching nothing is not).
  const pattern = filter ? `${filter}.*\\.test\\.ts$` : '\\.test\\.ts$';
  const filesOf = new Map<Suite, string[]>();
  for (const suite of selected) filesOf.set(suite, await testFiles(path.join(root, 'test', suite.dir), new RegExp(pattern, 'i')));
  const empty = selected.filter((s) => !filesOf.get(s)!.length);
  if (!filter) for (const s of empty) tally.problems.push(`${s.name}: no test file in test/${s.dir}`);
  else if (empty.length === selected.length)
    tally.problems.push(`no test file matches /${pattern}/ in ${selected.map((s) => `test/${s.dir}`).join(', ')}`);

  try {
    for (const suite of selected.filter((s) => !empty.includes(s))) {
      process.stdout.write(`\n[test] suite ${suite.name} (test/${suite.dir})\n`);
      const suiteEnv = { ...env };
      if (suite.controlPlane && !stopControlPlane) {
        try {
          const { startSharedControlPlane } = await import('../test/rig/shared-control-plane.ts');
          const cp = await startSharedControlPlane();
          stopControlPlane = cp.stop;
          Object.assign(env, cp.env);
        } catch (err) {
          // Never a skip: without the control plane these suites cannot show anything.
          tally.problems.push(
            `${suite.name}: its ${filesOf.get(suite)!.length} test file(s) never ran, the control plane did not start: ${(err as Error).message}`,
          );
          continue;
        }
      }
      if (suite.controlPlane) Object.assign(suiteEnv, env);
      if (suite.kubeNodes) await awaitNodeBuilds();
      await runSuite(suite, pattern, filesOf.get(suite)!, suiteEnv, tally);
    }
  } finally {
    await stopControlPlane?.();
  }

  process.stdout.write(`\n${tally.summary()}`);
  return tally.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n0 passed, 1 failed\n`);
    process.exit(1);
  },
);
