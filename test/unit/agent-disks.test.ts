import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseLsblk, parseWipefs } from '../../src/agent/disks/lsblk.ts';
import { assignIdentities, type IdentitySource } from '../../src/agent/disks/identity.ts';
import { detectMediaClass, isBusy, usageReasons } from '../../src/agent/disks/classify.ts';
import { globToRegExp, matchesAny } from '../../src/agent/disks/glob.ts';

const LSBLK = JSON.stringify({
  blockdevices: [
    {
      name: 'sda',
      kname: 'sda',
      path: '/dev/sda',
      'maj:min': '8:0',
      type: 'disk',
      size: 4000787030016,
      rota: true,
      tran: 'sata',
      serial: 'WD-123',
      wwn: '0x50014ee2b1',
      model: 'WDC WD40',
      vendor: 'ATA',
      mountpoints: [null],
      hctl: '0:0:0:0',
      ro: false,
      children: [
        { name: 'sda1', kname: 'sda1', path: '/dev/sda1', type: 'part', size: 1000, rota: true, mountpoints: ['/boot'], ro: false },
      ],
    },
    {
      name: 'nvme0n1',
      kname: 'nvme0n1',
      path: '/dev/nvme0n1',
      'maj:min': '259:0',
      type: 'disk',
      size: 1024,
      rota: false,
      tran: 'nvme',
      serial: 'S4X',
      wwn: null,
      model: 'Samsung',
      vendor: null,
      mountpoints: [null],
      hctl: null,
      ro: false,
    },
    {
      name: 'loop3',
      kname: 'loop3',
      path: '/dev/loop3',
      'maj:min': '7:3',
      type: 'loop',
      size: 1073741824,
      rota: true,
      tran: null,
      serial: null,
      wwn: null,
      model: null,
      vendor: null,
      mountpoint: null,
      hctl: null,
      ro: '1',
    },
  ],
});

test('lsblk JSON: sizes in bytes as bigint, nulls as empty strings, children, both mountpoint spellings', () => {
  const [sda, nvme, loop] = parseLsblk(LSBLK);
  assert.is(sda!.sizeBytes, 4000787030016n);
  assert.is(sda!.wwn, '0x50014ee2b1');
  assert.is(sda!.children[0]!.mounts[0], '/boot');
  assert.is(nvme!.wwn, '');
  assert.is(nvme!.vendor, '');
  assert.equal(loop!.mounts, []);
  assert.is(loop!.readOnly, true);
  assert.throws(() => parseLsblk('{}'), /blockdevices/);
});

test('wipefs JSON: signatures per kernel name; empty output is no signatures', () => {
  const sigs = parseWipefs(
    '{"signatures":[{"device":"loop1","offset":"0x438","type":"ext4"},{"device":"sdb","offset":"0x200","type":"gpt"},{"device":"sdb","offset":"0x1fe","type":"PMBR"}]}',
  );
  assert.equal(sigs.get('loop1'), ['ext4']);
  assert.equal(sigs.get('sdb'), ['gpt', 'PMBR']);
  assert.is(parseWipefs('').size, 0);
  assert.is(parseWipefs('{"signatures":[]}').size, 0);
});

const src = (over: Partial<IdentitySource>): IdentitySource => ({
  kname: 'sdb',
  wwn: '',
  serial: '',
  backingFile: '',
  byIdPaths: [],
  byPath: '',
  hctl: '',
  ...over,
});

test('identity prefers backing file, WWN, serial, by-id, and only then the kernel name', () => {
  assert.equal(
    assignIdentities([
      src({ kname: 'loop0', backingFile: '/var/d.img', serial: 'x' }),
      src({ wwn: '0x5000', serial: 'S1' }),
      src({ kname: 'sdc', serial: 'S2' }),
      src({ kname: 'sdd', byIdPaths: ['/dev/disk/by-id/ata-FOO_123'] }),
      src({ kname: 'sde' }),
    ]),
    ['loop:/var/d.img', 'wwn:0x5000', 'serial:S2', 'by-id:ata-FOO_123', 'dev:sde'],
  );
});

test('a renamed device keeps its identity', () => {
  const before = assignIdentities([src({ kname: 'sdb', serial: 'S1' })]);
  const after = assignIdentities([src({ kname: 'sdc', serial: 'S1' })]);
  assert.equal(before, after);
});

test('two disks with the same serial are told apart by position, stable across renames', () => {
  const scan1 = assignIdentities([
    src({ kname: 'sdb', serial: 'DUP', byPath: '/dev/disk/by-path/pci-0000:00:1f.2-ata-1' }),
    src({ kname: 'sdc', serial: 'DUP', byPath: '/dev/disk/by-path/pci-0000:00:1f.2-ata-2' }),
  ]);
  assert.is(new Set(scan1).size, 2);
  assert.equal(scan1, ['serial:DUP@pci-0000:00:1f.2-ata-1', 'serial:DUP@pci-0000:00:1f.2-ata-2']);
  const renamed = assignIdentities([
    src({ kname: 'sdd', serial: 'DUP', byPath: '/dev/disk/by-path/pci-0000:00:1f.2-ata-2' }),
    src({ kname: 'sde', serial: 'DUP', byPath: '/dev/disk/by-path/pci-0000:00:1f.2-ata-1' }),
  ]);
  assert.equal(renamed, ['serial:DUP@pci-0000:00:1f.2-ata-2', 'serial:DUP@pci-0000:00:1f.2-ata-1']);
  const noPath = assignIdentities([src({ kname: 'sdb', wwn: 'W', hctl: '1:0:0:0' }), src({ kname: 'sdc', wwn: 'W', hctl: '2:0:0:0' })]);
  assert.equal(noPath, ['wwn:W@1:0:0:0', 'wwn:W@2:0:0:0']);
});

test('media class: nvme by transport or name, hdd by rotational, else ssd', () => {
  assert.is(detectMediaClass({ kname: 'nvme0n1', transport: 'nvme', rotational: false }), 'MEDIA_CLASS_NVME');
  assert.is(detectMediaClass({ kname: 'nvme1n1', transport: '', rotational: false }), 'MEDIA_CLASS_NVME');
  assert.is(detectMediaClass({ kname: 'sda', transport: 'sata', rotational: true }), 'MEDIA_CLASS_HDD');
  assert.is(detectMediaClass({ kname: 'sdb', transport: 'sas', rotational: false }), 'MEDIA_CLASS_SSD');
});

test('usage: partitions, signatures, holders, mounts (own and partitions); mounts and holders are busy', () => {
  const [sda, nvme] = parseLsblk(LSBLK);
  const reasons = usageReasons(sda!, ['gpt'], ['dm-0']);
  assert.equal(reasons, ['partitions', 'signature:gpt', 'holder:dm-0', 'mount:/boot']);
  assert.ok(isBusy(reasons));
  assert.equal(usageReasons(nvme!, [], []), []);
  assert.not.ok(isBusy(['partitions', 'signature:ext4']));
});

test('disk filter globs: * stays in a segment, ** crosses, ? one char; any candidate may match', () => {
  const g = ['/dev/sd*', '/tmp/agent-a/**', '/dev/nvme?n1'].map(globToRegExp);
  assert.ok(matchesAny(g, ['/dev/sdb']));
  assert.not.ok(matchesAny(g, ['/dev/sdb/x']));
  assert.ok(matchesAny(g, ['/dev/loop4', '/tmp/agent-a/loops/d.img']));
  assert.ok(matchesAny(g, ['/dev/nvme0n1']));
  assert.not.ok(matchesAny(g, ['/dev/nvme10n1', '']));
  assert.not.ok(matchesAny([globToRegExp('/tmp/a.b/*')], ['/tmp/aXb/c']));
});

test.run();
