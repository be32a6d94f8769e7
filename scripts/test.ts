// The whole test suite: typecheck, then each uvu suite in its own process, then one summed line
// `N passed, N failed, N skipped` for CI. Suites that talk to Kubernetes share one real control
// plane, started here once and torn down at the end, also on failure and Ctrl-C.
//
//   npm test                 every suite
//   npm test -- unit agent   only the named suites
//   npm test -- integration --filter volumes   only the files of those suites whose name matches
//   npm test -- lab          the VM lab (test/lab): Debian's kernel under qemu, the agent inside
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parseUvu, type Counts } from './lib/uvu-summary.ts';

interface Suite {
  readonly name: string;
  /** Folder under test/ holding `*.test.ts` files. */
  readonly dir: string;
  /** Needs the shared control plane (etcd + kube-apiserver). */
  readonly controlPlane?: boolean;
  /** Upper bound for the whole suite; the process is killed past it. */
  readonly timeoutMs: number;
  /** Needs the system tools (lvm2, mkfs, drbd-utils …) that scripts/install-deps installs. */
  readonly systemTools?: boolean;
  /** Boots VMs: needs the lab kernel (scripts/lab/build) and the compiled agent (npm run build). */
  readonly vms?: boolean;
}

const SUITES: readonly Suite[] = [
  { name: 'unit', dir: 'unit', timeoutMs: 5 * 60_000 },
  { name: 'rig', dir: 'rig', controlPlane: true, timeoutMs: 10 * 60_000 },
  { name: 'agent', dir: 'agent', systemTools: true, timeoutMs: 20 * 60_000 },
  { name: 'operator', dir: 'operator', controlPlane: true, systemTools: true, timeoutMs: 20 * 60_000 },
  { name: 'integration', dir: 'integration', controlPlane: true, systemTools: true, timeoutMs: 30 * 60_000 },
  { name: 'lab', dir: 'lab', controlPlane: true, systemTools: true, vms: true, timeoutMs: 15 * 60_000 },
];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString();
      stream.write(chunk);
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    const timer = setTimeout(() => {
      process.stderr.write(`\n[test] ${cmd} ${args.join(' ')} exceeded ${timeoutMs / 1000} s: killing it\n`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 1 : 0), output });
    });
  });
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
  const totals: Counts = { passed: 0, failed: 0, skipped: 0 };
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };

  if (!wanted.length || wanted.includes('typecheck')) {
    process.stdout.write('\n[test] typecheck (tsc --noEmit)\n');
    const tsc = await run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root], env, 5 * 60_000);
    if (tsc.code === 0) totals.passed++;
    else totals.failed++;
  }

  // Prerequisites are part of the test command, so a fresh machine needs nothing else: each step
  // is a no-op (or quick) when already done. A failure here fails the run; it is never a skip.
  const vms = selected.some((s) => s.vms);
  const prerequisites: [string, string[], boolean][] = [
    ['scripts/install-deps', ['bash', path.join(root, 'scripts/install-deps')], selected.some((s) => s.systemTools || s.controlPlane)],
    ['scripts/rig/build', ['bash', path.join(root, 'scripts/rig/build')], selected.some((s) => s.controlPlane)],
    ['scripts/lab/build', ['bash', path.join(root, 'scripts/lab/build')], vms],
    // The VMs run bin/stratum-agent, which prefers the compiled agent: a TypeScript loader
    // costs tens of seconds per start under software emulation.
    ['npm run build', [process.execPath, path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], vms],
  ];
  for (const [name, [cmd, ...args], needed] of prerequisites) {
    if (!needed) continue;
    process.stdout.write(`\n[test] ${name}\n`);
    const res = await run(cmd!, args, env, 60 * 60_000);
    if (res.code !== 0) {
      process.stderr.write(`[test] ${name} failed (exit ${res.code}); the suites that need it fail too\n`);
      totals.failed++;
    }
  }

  let stopControlPlane: (() => Promise<void>) | undefined;
  const stopOnSignal = (signal: NodeJS.Signals) => {
    void (stopControlPlane?.() ?? Promise.resolve()).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  try {
    for (const suite of selected) {
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
          process.stderr.write(`[test] cannot start the control plane: ${(err as Error).message}\n`);
          totals.failed++;
          continue;
        }
      }
      if (suite.controlPlane) Object.assign(suiteEnv, env);
      const res = await run(
        process.execPath,
        ['--import', 'tsx', path.join(root, 'node_modules/uvu/bin.js'), path.join('test', suite.dir), filter ? `${filter}.*\\.test\\.ts$` : '\\.test\\.ts$', '--no-color'],
        suiteEnv,
        suite.timeoutMs,
      );
      const counts = parseUvu(res.output, res.code);
      process.stdout.write(`[test] ${suite.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
      totals.passed += counts.passed;
      totals.failed += counts.failed;
      totals.skipped += counts.skipped;
    }
  } finally {
    await stopControlPlane?.();
  }

  process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
  return totals.failed > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n0 passed, 1 failed\n`);
  process.exit(1);
});
