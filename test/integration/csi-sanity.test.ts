// csi-sanity (kubernetes-csi/csi-test, built by the rig) against Stratum's two CSI endpoints: the
// operator's controller socket and one agent's node socket, with the real API server, the
// volume reconcilers and a real agent behind them. Two runs, one per kind of pool:
// - the Controller specs on an `lvm` pool: sizes are exact (extents of 4 MiB) and volumes grow,
//   as the expansion specs demand; LVs have no device node here (no device-mapper);
// - the Node specs on a `backend: disk` pool: volumes are real block devices that NodeStage
//   formats and mounts. A disk volume is the whole disk, so the test size is the disk size
//   (1 GiB) and the expansion there stays within it.
// Every spec must pass or be skipped; skipped specs are printed (docs/csi.md lists them).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StoragePool } from '../../src/api/index.ts';
import { run } from '../../src/common/exec.ts';
import { findMount } from '../../src/agent/fs/mount-table.ts';
import { STORAGE_POOLS } from '../../src/operator/resources.ts';
import { rigBinary } from '../rig/binaries.ts';
import { TestCluster, reportFailure, waitFor } from './support.ts';
import { controllerEndpoint, nameAgentsAfterNodes } from './csi-support.ts';

const MiB = 1024 ** 2;
const GiB = 1024 * MiB;
const it = suite('csi: csi-sanity');
let cluster: TestCluster;
let lvmPool: string;
let diskPool: string;

interface SpecReport {
  ContainerHierarchyTexts: string[] | null;
  LeafNodeText: string;
  State: string;
  Failure?: { Message: string };
}

it.before(reportFailure(async () => {
  // Per node: two 4 GiB disks for the lvm pool, six 1 GiB disks for the disk pool.
  cluster = await TestCluster.start({ agents: 1, loopsPerAgent: 0 });
  const agent = cluster.nodes[0]!.agent;
  for (let i = 0; i < 2; i++) await agent.addLoop(4 * GiB);
  for (let i = 0; i < 6; i++) await agent.addLoop(GiB);
  await nameAgentsAfterNodes(cluster);
  lvmPool = `${cluster.prefix}-lvm`;
  diskPool = `${cluster.prefix}-disk`;
  const pool = (name: string, spec: Record<string, unknown>) =>
    cluster.create(STORAGE_POOLS, { apiVersion: 'storage.stratum.dev/v1alpha1', kind: 'StoragePool', metadata: { name }, spec: { mediaClass: 'hdd', ...spec } });
  await pool(lvmPool, { backend: 'lvm', diskSelector: { minSize: '2Gi' } });
  await pool(diskPool, { backend: 'disk', diskSelector: { maxSize: '1Gi' } });
  await cluster.startOperator('operator-0', ['--csi-endpoint', controllerEndpoint(cluster)]);
  await waitFor('both pools ready', async () => {
    const pools = await Promise.all([lvmPool, diskPool].map((p) => cluster.get<StoragePool>(STORAGE_POOLS, p)));
    return pools.every((p) => p?.status?.nodeCount === 1);
  }, 90_000, 250);
}));

it.after(reportFailure(async () => {
  // A failed spec may leave mounts under the sanity directories.
  if (cluster) {
    const base = path.join(cluster.dir, 'sanity');
    const { stdout } = await run('findmnt', ['-rn', '-o', 'TARGET'], { okCodes: [0, 1] });
    for (const m of stdout.split('\n').filter((l) => l.startsWith(base)).reverse()) await run('umount', [m]).catch(() => undefined);
  }
  await cluster?.teardown();
}));

async function sanity(label: string, pool: string, sizes: { volume: number; expand: number }, ginkgo: string[]): Promise<void> {
  const dir = path.join(cluster.dir, 'sanity', label);
  await mkdir(dir, { recursive: true });
  const params = path.join(dir, 'parameters.yaml');
  await writeFile(params, `pool: ${pool}\n`);
  const report = path.join(dir, 'report.json');
  const args = [
    `--csi.endpoint=${cluster.nodes[0]!.agent.csiEndpoint}`,
    `--csi.controllerendpoint=${controllerEndpoint(cluster)}`,
    `--csi.mountdir=${path.join(dir, 'mount')}`,
    `--csi.stagingdir=${path.join(dir, 'staging')}`,
    `--csi.testvolumesize=${sizes.volume}`,
    `--csi.testvolumeexpandsize=${sizes.expand}`,
    `--csi.testvolumeparameters=${params}`,
    `--ginkgo.json-report=${report}`,
    '--ginkgo.timeout=6m',
    '--ginkgo.no-color',
    ...ginkgo,
  ];
  const res = await run(rigBinary('csi-sanity'), args, { timeoutMs: 7 * 60_000, okCodes: [0, 1] });
  await writeFile(path.join(dir, 'output.txt'), res.stdout);
  const suites = JSON.parse(await readFile(report, 'utf8')) as { SpecReports: SpecReport[] | null }[];
  const specs = suites.flatMap((x) => x.SpecReports ?? []).filter((x) => x.LeafNodeText);
  const name = (x: SpecReport) => [...(x.ContainerHierarchyTexts ?? []), x.LeafNodeText].join(' › ');
  const ran = specs.filter((x) => x.State !== 'skipped' && x.State !== 'pending');
  const passed = ran.filter((x) => x.State === 'passed');
  const failed = ran.filter((x) => x.State !== 'passed');
  const skipped = specs.filter((x) => (x.State === 'skipped' || x.State === 'pending') && !ginkgoFiltered(x, ginkgo));
  process.stdout.write(`\n  csi-sanity (${label}): ${passed.length} passed, ${failed.length} failed, ${skipped.length} skipped\n`);
  for (const x of skipped) process.stdout.write(`    skipped: ${name(x)}\n`);
  for (const x of failed) process.stdout.write(`    FAILED: ${name(x)}\n      ${(x.Failure?.Message ?? x.State).split('\n').slice(0, 8).join('\n      ')}\n`);
  assert.is(failed.length, 0, `${failed.length} csi-sanity specs failed (output in ${dir}/output.txt)`);
  assert.ok(passed.length >= 10, `only ${passed.length} specs passed`);
  assert.is(await findMount(path.join(dir, 'staging')), undefined, 'nothing left mounted');
}

/** Specs left out by this run's focus/skip (they run in the other run), not skipped by csi-sanity itself. */
function ginkgoFiltered(x: SpecReport, ginkgo: string[]): boolean {
  const text = [...(x.ContainerHierarchyTexts ?? []), x.LeafNodeText].join(' ');
  const focus = ginkgo.find((a) => a.startsWith('--ginkgo.focus='))?.slice('--ginkgo.focus='.length);
  const skip = ginkgo.find((a) => a.startsWith('--ginkgo.skip='))?.slice('--ginkgo.skip='.length);
  return (focus !== undefined && !new RegExp(focus).test(text)) || (skip !== undefined && new RegExp(skip).test(text));
}

it('csi-sanity: Identity and Controller specs on an lvm pool', async () => {
  await sanity('controller', lvmPool, { volume: 64 * MiB, expand: 128 * MiB }, ['--ginkgo.skip=Node Service']);
});

it('csi-sanity: Node specs on a disk pool (real devices)', async () => {
  await sanity('node', diskPool, { volume: GiB, expand: GiB }, ['--ginkgo.focus=Node Service']);
});

it.run();
