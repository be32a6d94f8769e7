// csi-sanity (kubernetes-csi/csi-test, built by the rig) against Stratum's two CSI endpoints: the
// operator's controller socket and one agent's node socket, with the real API server, the
// volume reconcilers and a real agent behind them. Two runs, one per kind of pool:
// - the Controller specs on an `lvm` pool: sizes are exact (extents of 4 MiB) and volumes grow,
//   as the expansion specs demand; LVs have no device node here (no device-mapper);
// - the Node specs on a `backend: disk` pool: volumes are real block devices that NodeStage
//   formats and mounts. A disk volume is the whole disk, so the test size is the disk size
//   (1 GiB) and the expansion there stays within it.
// The snapshot and clone specs need a thin pool (device-mapper): they run in the lab
// (test/lab-snapshots/snapshots.test.ts) and are left out here by this run's skip.
// csi-sanity must exit 0 with exactly the documented results: docs/csi.md's passed counts, and
// as skipped exactly the specs below, grouped as docs/csi.md's table of skipped specs (whose
// counts are read and compared too) — so a spec that turns from passed into skipped fails here.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/common/exec.ts';
import { findMount } from '../../src/agent/fs/mount-table.ts';
import { REPO_ROOT, rigBinary } from '../rig/binaries.ts';
import { TestCluster, reportFailure } from './support.ts';
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
  LeafNodeType?: string;
  State: string;
  Failure?: { Message: string };
}

const CS = 'Controller Service [Controller Server]';
const GC = 'GroupController Service [GroupController VolumeGroupSnapshots]';
/** Snapshot, restore and clone specs: thin pools only, proven in the lab. */
const THIN_ONLY_SPECS = 'CreateSnapshot|DeleteSnapshot|ListSnapshots|source (snapshot|volume)';
/** What docs/csi.md reports: passed specs per run. */
const PASSED = { controller: 25, node: 23 };
/** The specs csi-sanity skips (all in the controller run), one group per row of docs/csi.md's table, in its order. */
const SKIPPED: readonly { readonly capability: string; readonly specs: readonly string[] }[] = [
  {
    capability: 'GroupController service',
    specs: [
      'GroupController Service [GroupController Server] › GroupControllerGetCapabilities › should return appropriate capabilities',
      `${GC} › CreateVolumeGroupSnapshot › should fail when no name is provided`,
      `${GC} › GetVolumeGroupSnapshot › should fail when no volume id is provided`,
      `${GC} › GetVolumeGroupSnapshot › should fail when an invalid volume id is used`,
      `${GC} › DeleteVolumeGroupSnapshot › should fail when no volume id is provided`,
      `${GC} › DeleteVolumeGroupSnapshot › should succeed when an invalid volume id is used`,
    ],
  },
  {
    capability: 'MODIFY_VOLUME',
    specs: [
      ...[
        'should fail if no volume id is given',
        'should fail if volume does not exist',
        'should fail if specified mutable parameters are not supported by the volume',
        'should modify a volume created without a volume attribute class',
        'should modify a volume created with a volume attribute class',
        'should fail to modify a volume created with a volume attribute class if new mutable parameters are not supported by volume',
      ].map((x) => `ModifyVolume [Controller Server] › ${x}`),
      `${CS} › CreateVolume › should create volume with a volume attribute class`,
      `${CS} › CreateVolume › should not create volume with an invalid volume attribute class`,
    ],
  },
  {
    capability: 'PUBLISH_UNPUBLISH_VOLUME',
    specs: [
      ...[
        'should fail when no volume id is provided',
        'should fail when no node id is provided',
        'should fail when no volume capability is provided',
        'should fail when publishing more volumes than the node max attach limit',
        'should fail when the volume does not exist',
        'should fail when the node does not exist',
        'should fail when the volume is already published but is incompatible',
      ].map((x) => `${CS} › ControllerPublishVolume › ${x}`),
      `${CS} › ControllerUnpublishVolume › should fail when no volume id is provided`,
      `${CS} › volume lifecycle › should work`,
      `${CS} › volume lifecycle › should be idempotent`,
    ],
  },
  {
    capability: 'disabled upstream',
    specs: [
      `${CS} › ListVolumes › pagination should detect volumes added between pages and accept tokens when the last volume from a page is deleted`,
    ],
  },
];

/** docs/csi.md's skipped total and the count column of its table of skipped specs, row by row. */
async function documentedSkips(): Promise<{ total: number; rows: number[] }> {
  const lines = (await readFile(path.join(REPO_ROOT, 'docs', 'csi.md'), 'utf8')).split('\n');
  const at = lines.findIndex((l) => /^Skipped by csi-sanity itself \(\d+\)/.test(l));
  assert.ok(at >= 0, 'docs/csi.md has the line "Skipped by csi-sanity itself (N)"');
  const total = Number(/\((\d+)\)/.exec(lines[at]!)![1]);
  const table = lines.slice(at + 1).filter((_, i, all) => all.slice(0, i + 1).every((l) => l.startsWith('|') || l.trim() === ''));
  const rows = table
    .filter((l) => l.startsWith('|'))
    .slice(2)
    .map((l) => (l.split('|')[2] ?? '').match(/\d+/g)?.reduce((sum, n) => sum + Number(n), 0) ?? 0);
  return { total, rows };
}

it.before(
  reportFailure(async () => {
    // Per node: two 4 GiB disks for the lvm pool, six 1 GiB disks for the disk pool.
    cluster = await TestCluster.start({ agents: 1, loopsPerAgent: 0 });
    const agent = cluster.nodes[0]!.agent;
    for (let i = 0; i < 2; i++) await agent.addLoop(4 * GiB);
    for (let i = 0; i < 6; i++) await agent.addLoop(GiB);
    await nameAgentsAfterNodes(cluster);
    lvmPool = `${cluster.prefix}-lvm`;
    diskPool = `${cluster.prefix}-disk`;
    const pool = (name: string, spec: Record<string, unknown>) => cluster.createPool(name, { mediaClass: 'hdd', ...spec });
    await pool(lvmPool, { backend: 'lvm', diskSelector: { minSize: '2Gi' } });
    await pool(diskPool, { backend: 'disk', diskSelector: { maxSize: '1Gi' } });
    await cluster.startOperator('operator-0', ['--csi-endpoint', controllerEndpoint(cluster)]);
    await cluster.poolsOnNodes([lvmPool, diskPool], 1);
  }),
);

it.after(
  reportFailure(async () => {
    // A failed spec may leave mounts under the sanity directories.
    if (cluster) {
      const base = path.join(cluster.dir, 'sanity');
      const { stdout } = await run('findmnt', ['-rn', '-o', 'TARGET'], { okCodes: [0, 1] });
      for (const m of stdout
        .split('\n')
        .filter((l) => l.startsWith(base))
        .reverse())
        await run('umount', [m]).catch(() => undefined);
    }
    await cluster?.teardown();
  }),
);

async function sanity(
  label: keyof typeof PASSED,
  pool: string,
  sizes: { volume: number; expand: number },
  ginkgo: string[],
): Promise<void> {
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
  // Exit 1 (failed specs) is read too, to print what failed; only 0 passes.
  const res = await run(rigBinary('csi-sanity'), args, { timeoutMs: 7 * 60_000, okCodes: [0, 1] });
  await writeFile(path.join(dir, 'output.txt'), res.stdout);
  const suites = JSON.parse(await readFile(report, 'utf8')) as { SpecReports: SpecReport[] | null }[];
  const reports = suites.flatMap((x) => x.SpecReports ?? []);
  // Entries without a spec name are suite-level nodes (BeforeSuite, AfterSuite, report nodes): each must have passed.
  const unnamed = reports.filter((x) => !x.LeafNodeText);
  const badUnnamed = unnamed.filter((x) => x.State !== 'passed');
  assert.equal(
    badUnnamed.map((x) => `${x.LeafNodeType ?? '?'}: ${x.State}: ${x.Failure?.Message ?? ''}`),
    [],
    'suite-level nodes passed',
  );
  const specs = reports.filter((x) => x.LeafNodeText);
  const name = (x: SpecReport) => [...(x.ContainerHierarchyTexts ?? []), x.LeafNodeText].join(' › ');
  const ran = specs.filter((x) => x.State !== 'skipped' && x.State !== 'pending');
  const passed = ran.filter((x) => x.State === 'passed');
  const failed = ran.filter((x) => x.State !== 'passed');
  const skipped = specs.filter((x) => (x.State === 'skipped' || x.State === 'pending') && !ginkgoFiltered(x, ginkgo));
  process.stdout.write(`\n  csi-sanity (${label}): ${passed.length} passed, ${failed.length} failed, ${skipped.length} skipped\n`);
  for (const x of skipped) process.stdout.write(`    skipped: ${name(x)}\n`);
  for (const x of failed)
    process.stdout.write(`    FAILED: ${name(x)}\n      ${(x.Failure?.Message ?? x.State).split('\n').slice(0, 8).join('\n      ')}\n`);
  assert.is(failed.length, 0, `${failed.length} csi-sanity specs failed (output in ${dir}/output.txt)`);
  assert.is(res.code, 0, `csi-sanity exit code (output in ${dir}/output.txt)`);
  assert.is(passed.length, PASSED[label], `passed specs, as docs/csi.md says`);
  const expectedSkips = label === 'controller' ? SKIPPED.flatMap((g) => g.specs) : [];
  assert.equal(skipped.map(name).sort(), [...expectedSkips].sort(), 'skipped specs, as docs/csi.md lists them');
  assert.is(await findMount(path.join(dir, 'staging')), undefined, 'nothing left mounted');
}

it("the expected results are docs/csi.md's: its skipped total and each row's count", async () => {
  const docs = await documentedSkips();
  assert.is(docs.total, SKIPPED.flatMap((g) => g.specs).length, 'skipped total');
  assert.equal(
    docs.rows,
    SKIPPED.map((g) => g.specs.length),
    `rows of the table (${SKIPPED.map((g) => g.capability).join(', ')})`,
  );
  const text = await readFile(path.join(REPO_ROOT, 'docs', 'csi.md'), 'utf8');
  assert.match(text, `**${PASSED.controller} passed,`);
  assert.match(text, `**${PASSED.node} passed,`);
});

/** Specs left out by this run's focus/skip (they run in the other run), not skipped by csi-sanity itself. */
function ginkgoFiltered(x: SpecReport, ginkgo: string[]): boolean {
  const text = [...(x.ContainerHierarchyTexts ?? []), x.LeafNodeText].join(' ');
  const focus = ginkgo.find((a) => a.startsWith('--ginkgo.focus='))?.slice('--ginkgo.focus='.length);
  const skip = ginkgo.find((a) => a.startsWith('--ginkgo.skip='))?.slice('--ginkgo.skip='.length);
  return (focus !== undefined && !new RegExp(focus).test(text)) || (skip !== undefined && new RegExp(skip).test(text));
}

it('csi-sanity: Identity and Controller specs on an lvm pool', async () => {
  await sanity('controller', lvmPool, { volume: 64 * MiB, expand: 128 * MiB }, [`--ginkgo.skip=Node Service|${THIN_ONLY_SPECS}`]);
});

it('csi-sanity: Node specs on a disk pool (real devices)', async () => {
  await sanity('node', diskPool, { volume: GiB, expand: GiB }, ['--ginkgo.focus=Node Service']);
});

it.run();
