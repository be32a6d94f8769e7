// The operator as production runs it: the bundle `npm run build` makes (scripts/bundle.ts, rebuilt
// here from src/), started by bin/stratum-operator, as its own ServiceAccount with the chart's RBAC.
// It finds its .proto files and package.json from inside dist/, talks to an agent, serves CSI.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { LocalVolume, StoragePool } from '../../src/api/index.ts';
import { PACKAGE_VERSION } from '../../src/common/package-root.ts';
import { callCsi, connectCsi } from '../../src/csi/client.ts';
import { LOCAL_VOLUMES, STORAGE_POOLS } from '../../src/operator/resources.ts';
import { OPERATOR_BUNDLE } from '../helpers/operator-process.ts';
import { controllerEndpoint } from './csi-support.ts';
import { TestCluster, reportFailure, waitFor } from './support.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const it = suite('the bundled operator');
let cluster: TestCluster;
let pool: string;

it.before(
  reportFailure(async () => {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/bundle.ts')], { cwd: ROOT, timeout: 120_000 });
    cluster = await TestCluster.start({ agents: 1, loopsPerAgent: 1 });
    pool = `${cluster.prefix}-bundle`;
    await cluster.createPool(pool, { mediaClass: 'hdd' });
    await cluster.startOperator('operator-bundle', ['--csi-endpoint', controllerEndpoint(cluster)], {
      compiled: true,
      kubeconfig: await cluster.operatorAccountKubeconfig(),
    });
    await waitFor('pool ready', async () => (await cluster.get<StoragePool>(STORAGE_POOLS, pool))?.status?.nodeCount === 1, 90_000, 250);
  }),
);

it.after(
  reportFailure(async () => {
    await cluster?.teardown();
  }),
);

it('runs from dist/stratum-operator.mjs, not the source', () => {
  // The launcher execs node: the process's own command line says what it runs.
  const cmdline = readFileSync(`/proc/${cluster.operators[0]!.proc.pid}/cmdline`, 'utf8').split('\0');
  assert.ok(
    cmdline.some((arg) => arg.endsWith('.mjs') && path.resolve(arg) === OPERATOR_BUNDLE),
    cmdline.join(' '),
  );
});

it('a LocalVolume becomes Ready on the agent, and the CSI identity reports the package version', async () => {
  const name = `${cluster.prefix}-v`;
  await cluster.createVolume(name, { pool, size: '64Mi' });
  await waitFor('volume Ready', async () => (await cluster.get<LocalVolume>(LOCAL_VOLUMES, name))?.status?.phase === 'Ready', 60_000, 250);
  const csi = connectCsi(controllerEndpoint(cluster));
  try {
    const info = await callCsi(csi.identity, 'GetPluginInfo', {});
    assert.is(info.vendorVersion, PACKAGE_VERSION);
  } finally {
    csi.close();
  }
});

it.run();
