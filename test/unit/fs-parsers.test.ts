// Parsers of blkid, findmnt and dumpe2fs output, on samples recorded on this machine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseBlkidExport, describeSignature } from '../../src/agent/fs/probe.ts';
import { parseFindmntJson } from '../../src/agent/fs/findmnt.ts';
import { parseExt4Size } from '../../src/agent/fs/grow.ts';
import { asFsType } from '../../src/agent/fs/types.ts';
import { FsError } from '../../src/agent/fs/errors.ts';

test('blkid -p -o export: filesystem and partition table', () => {
  const ext4 = 'DEVNAME=/dev/loop0\nUUID=9a9e3caa-a7f1-4543-afb8-d6bb206e8ade\nVERSION=1.0\nBLOCK_SIZE=1024\nTYPE=ext4\nUSAGE=filesystem\n';
  assert.equal(parseBlkidExport(ext4), { type: 'ext4' });
  assert.equal(parseBlkidExport('DEVNAME=/dev/loop0\nPTTYPE=dos\n'), { partitionTable: 'dos' });
  assert.equal(parseBlkidExport(''), {});
  assert.match(describeSignature({ partitionTable: 'gpt' }), 'partition table "gpt"');
  assert.match(describeSignature({ ambivalent: true }), 'conflicting');
});

test('findmnt --json: device mount and device-node bind mount', () => {
  const out = JSON.stringify({
    filesystems: [
      { source: '/dev/loop0', target: '/tmp/mnt1', fstype: 'ext4', 'vfs-options': 'rw,relatime', 'maj:min': '7:0', fsroot: '/' },
      { source: 'devtmpfs[/loop0]', target: '/tmp/blk', fstype: 'devtmpfs', 'vfs-options': 'ro,relatime', 'maj:min': '0:6', fsroot: '/loop0' },
    ],
  });
  const [dev, blk] = parseFindmntJson(out);
  assert.equal(dev, { source: '/dev/loop0', target: '/tmp/mnt1', fsType: 'ext4', vfsOptions: ['rw', 'relatime'], majMin: '7:0', fsRoot: '/' });
  assert.equal(blk?.vfsOptions, ['ro', 'relatime']);
  assert.is(blk?.fsRoot, '/loop0');
  assert.equal(parseFindmntJson(''), []);
});

test('dumpe2fs -h: size is block count times block size', () => {
  const header = 'Filesystem volume name:   <none>\nBlock count:              409600\nReserved block count:     0\nBlock size:               1024\n';
  assert.is(parseExt4Size(header), 409600 * 1024);
  assert.throws(() => parseExt4Size('Block size: 4096\n'), /Block count/);
});

test('only ext4 and xfs are accepted, by name', () => {
  assert.is(asFsType('xfs'), 'xfs');
  assert.throws(() => asFsType('btrfs'), (e: unknown) => e instanceof FsError && e.reason === 'invalid-argument' && /btrfs/.test(e.message));
});

test.run();
