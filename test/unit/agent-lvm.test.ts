import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  lvcreateArgs,
  lvextendArgs,
  pvcreateArgs,
  thinPoolCreateArgs,
  thinSnapshotArgs,
  vgcreateArgs,
  volumeTag,
} from '../../src/agent/lvm/commands.ts';
import { parseLvs, parsePvs, parseVgs } from '../../src/agent/lvm/report.ts';
import { thinCapacity } from '../../src/agent/pools/service.ts';
import { renderLvmConf, hasDeviceMapper } from '../../src/agent/lvm/config.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const LVS = `  {
      "report": [
          {
              "lv": [
                  {"lv_name":"vol1", "vg_name":"stratum-p1", "lv_size":"12582912", "lv_tags":"stratum.volume=vol1,other", "lv_device_open":"unknown", "lv_path":"/dev/stratum-p1/vol1", "lv_layout":"linear", "pool_lv":""},
                  {"lv_name":"vol2", "vg_name":"stratum-p1", "lv_size":"4194304", "lv_tags":"", "lv_device_open":"open", "lv_path":"/dev/stratum-p1/vol2", "lv_layout":"thin,sparse", "pool_lv":"thinpool", "data_percent":"12.50", "lv_health_status":"partial"}
              ]
          }
      ]
  }`;

test('lvs report: sizes as bigint, tags split, open tri-state, partial health', () => {
  const [a, b] = parseLvs(LVS);
  assert.equal(a, {
    name: 'vol1',
    vg: 'stratum-p1',
    sizeBytes: 12582912n,
    tags: ['stratum.volume=vol1', 'other'],
    open: null,
    path: '/dev/stratum-p1/vol1',
    layout: 'linear',
    poolLv: '',
    dataPercent: null,
    partial: false,
  });
  assert.is(b!.open, true);
  assert.is(b!.partial, true, 'lv_health_status partial: a PV under it is missing');
  assert.is(b!.dataPercent, 12.5);
  assert.equal(b!.tags, []);
});

test("thin pool capacity: the thin-pool LV's size, its unwritten part, and the thin volumes' virtual sizes", () => {
  const MiB = 1024n ** 2n;
  const lv = (name: string, size: bigint, poolLv: string, dataPercent: number | null) => ({
    name,
    vg: 'stratum-t',
    sizeBytes: size,
    tags: [],
    open: false,
    path: '',
    layout: poolLv ? 'thin,sparse' : 'thin,pool',
    poolLv,
    dataPercent,
    partial: false,
  });
  const cap = thinCapacity([
    lv('thinpool', 1024n * MiB, '', 25),
    lv('v1', 1024n * MiB, 'thinpool', 10),
    lv('v2', 512n * MiB, 'thinpool', null),
  ]);
  assert.equal(cap, {
    totalBytes: String(1024n * MiB),
    freeBytes: String(768n * MiB),
    allocatableBytes: '0',
    provisionedBytes: String(1536n * MiB),
  });
  assert.is(
    thinCapacity([lv('thinpool', 1024n * MiB, '', null), lv('v1', 256n * MiB, 'thinpool', null)]).allocatableBytes,
    String(768n * MiB),
  );
});

test('vgs and pvs reports; an empty report is no rows; non-JSON is an error', () => {
  const vgs = parseVgs(
    '{"report":[{"vg":[{"vg_name":"stratum-p1","vg_size":"1069547520","vg_free":"1056964608","vg_extent_size":"4194304","vg_free_count":"252","lv_count":"1","pv_count":"1","vg_tags":"stratum.pool=p1"}]}]}',
  );
  assert.equal(vgs[0], {
    name: 'stratum-p1',
    sizeBytes: 1069547520n,
    freeBytes: 1056964608n,
    extentBytes: 4194304n,
    freeExtents: 252n,
    lvCount: 1,
    pvCount: 1,
    tags: ['stratum.pool=p1'],
  });
  assert.equal(parsePvs('{"report":[{"pv":[{"pv_name":"/dev/loop0","vg_name":"","pv_size":"1073741824"}]}]}'), [
    { name: '/dev/loop0', vg: '', sizeBytes: 1073741824n },
  ]);
  assert.equal(parseVgs('{"report":[{"vg":[]}]}'), []);
  assert.throws(() => parseLvs('Volume group not found'), /not JSON/);
});

/** A thick LV on a node without device-mapper; the tests below change what they are about. */
const THICK = { vg: 'stratum-fast', lv: 'pvc-1', sizeBytes: 12582912n, tags: [volumeTag('pvc-1')], thin: false, activation: false };

test('lvcreate without device-mapper: inactive, not zeroed, signatures wiped, size in bytes, volume tag', () => {
  const args = lvcreateArgs(THICK);
  assert.equal(args, ['--yes', '-an', '-Zn', '-Wy', '-n', 'pvc-1', '-L', '12582912b', '--addtag', 'stratum.volume=pvc-1', 'stratum-fast']);
});

test('lvcreate with device-mapper activates and zeroes', () => {
  const args = lvcreateArgs({ ...THICK, activation: true });
  assert.ok(args.includes('-ay') && args.includes('-Zy'));
});

test('thin LV: virtual size in the VG thin pool, no VG positional, no --zero (LVM refuses it for thin LVs)', () => {
  const args = lvcreateArgs({
    ...THICK,
    vg: 'stratum-thin',
    lv: 'pvc-2',
    sizeBytes: 1073741824n,
    tags: [volumeTag('pvc-2')],
    thin: true,
    activation: true,
  });
  assert.equal(args, [
    '--yes',
    '-ay',
    '-Wy',
    '-n',
    'pvc-2',
    '-V',
    '1073741824b',
    '--thinpool',
    'stratum-thin/thinpool',
    '--addtag',
    'stratum.volume=pvc-2',
  ]);
  assert.equal(thinPoolCreateArgs('stratum-thin', true), [
    '--yes',
    '-ay',
    '--type',
    'thin-pool',
    '-l',
    '90%FREE',
    '-n',
    'thinpool',
    'stratum-thin',
  ]);
});

test('pvcreate/vgcreate/lvextend arguments', () => {
  assert.equal(pvcreateArgs(['/dev/loop0'], '64m'), ['--yes', '--metadatasize', '64m', '/dev/loop0']);
  assert.equal(pvcreateArgs(['/dev/loop0']), ['--yes', '/dev/loop0']);
  assert.equal(vgcreateArgs('stratum-a', ['/dev/loop0', '/dev/loop1'], ['stratum.pool=a']), [
    '--yes',
    '--addtag',
    'stratum.pool=a',
    'stratum-a',
    '/dev/loop0',
    '/dev/loop1',
  ]);
  assert.equal(lvextendArgs('vg', 'lv', 8388608n), ['-L', '8388608b', 'vg/lv']);
});

test('lvm.conf accepts exactly the given devices, activation per device-mapper, udev off, synchronous I/O', () => {
  const conf = renderLvmConf('/tmp/x/lvm', { devices: ['/dev/loop3', '/dev/loop12'], activation: false });
  assert.match(conf, /filter = \[ "a\|\^\/dev\/loop3\$\|", "a\|\^\/dev\/loop12\$\|", "r\|\.\*\|" \]/);
  assert.match(conf, /activation = 0/);
  assert.match(conf, /udev_sync = 0/);
  assert.match(conf, /obtain_device_list_from_udev = 0/);
  assert.match(conf, /locking_dir = "\/tmp\/x\/lvm\/lock"/);
  assert.match(conf, /global \{[^}]*use_aio = 0/);
  assert.match(renderLvmConf('/d', { devices: [], activation: true }), /activation = 1/);
  assert.throws(() => renderLvmConf('/d', { devices: ['/dev/loop0" ]'], activation: false }), /refusing device path/);
});

test('device-mapper detection reads /proc/misc', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'stratum-misc-'));
  try {
    await writeFile(path.join(dir, 'with'), '236 device-mapper\n 58 network_throughput\n');
    await writeFile(path.join(dir, 'without'), ' 58 network_throughput\n');
    assert.is(await hasDeviceMapper(path.join(dir, 'with')), true);
    assert.is(await hasDeviceMapper(path.join(dir, 'without')), false);
    assert.is(await hasDeviceMapper(path.join(dir, 'missing')), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('thin snapshot: inactive with the activation-skip flag; as a restore or clone: flag cleared, activated, volume tag', () => {
  const snap = thinSnapshotArgs({
    vg: 'stratum-thin',
    origin: 'pvc-1',
    lv: 'snap-1',
    tags: ['stratum.snapshot=snap-1'],
    asVolume: false,
    activation: true,
  });
  assert.equal(snap, ['--yes', '-s', '-ky', '-an', '-n', 'snap-1', '--addtag', 'stratum.snapshot=snap-1', 'stratum-thin/pvc-1']);
  const restore = thinSnapshotArgs({
    vg: 'stratum-thin',
    origin: 'snap-1',
    lv: 'pvc-2',
    tags: [volumeTag('pvc-2')],
    asVolume: true,
    activation: true,
  });
  assert.equal(restore, ['--yes', '-s', '-kn', '-ay', '-n', 'pvc-2', '--addtag', 'stratum.volume=pvc-2', 'stratum-thin/snap-1']);
  assert.ok(!restore.includes('-L') && !restore.includes('-V'), 'a thin snapshot has no size of its own');
});

test.run();
