// Parsers of blkid, mountinfo and dumpe2fs output, on samples recorded on this machine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseBlkidExport, describeSignature } from '../../src/agent/fs/probe.ts';
import { findMount, mountsOf, parseMountInfo } from '../../src/agent/fs/mount-table.ts';
import { parseExt4Size } from '../../src/agent/fs/grow.ts';
import { asFsType } from '../../src/agent/fs/types.ts';
import { FsError } from '../../src/agent/fs/errors.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

test('blkid -p -o export: filesystem and partition table', () => {
  const ext4 = 'DEVNAME=/dev/loop0\nUUID=9a9e3caa-a7f1-4543-afb8-d6bb206e8ade\nVERSION=1.0\nBLOCK_SIZE=1024\nTYPE=ext4\nUSAGE=filesystem\n';
  assert.equal(parseBlkidExport(ext4), { type: 'ext4' });
  assert.equal(parseBlkidExport('DEVNAME=/dev/loop0\nPTTYPE=dos\n'), { partitionTable: 'dos' });
  assert.equal(parseBlkidExport(''), {});
  assert.match(describeSignature({ partitionTable: 'gpt' }), 'partition table "gpt"');
  assert.match(describeSignature({ ambivalent: true }), 'conflicting');
});

const MOUNTINFO = [
  '36 35 7:0 / /mnt/my\\040data rw,noatime master:1 - ext4 /dev/loop0 rw,errors=continue',
  '37 35 0:5 / /proc rw - proc proc rw',
  '40 35 0:6 /loop0 /tmp/blk ro,relatime shared:2 - devtmpfs devtmpfs rw,size=100k',
  '41 36 7:1 / /mnt/my\\040data rw - xfs /dev/loop1 rw',
  '',
].join('\n');

test('mountinfo: every field, octal escapes undone, a device-node bind mount', () => {
  const entry = (source: string, target: string, fsType: string, vfsOptions: string[], majMin: string, fsRoot: string) => ({
    source,
    target,
    fsType,
    vfsOptions,
    majMin,
    fsRoot,
  });
  assert.equal(parseMountInfo(MOUNTINFO), [
    entry('/dev/loop0', '/mnt/my data', 'ext4', ['rw', 'noatime'], '7:0', '/'),
    entry('proc', '/proc', 'proc', ['rw'], '0:5', '/'),
    entry('devtmpfs', '/tmp/blk', 'devtmpfs', ['ro', 'relatime'], '0:6', '/loop0'),
    entry('/dev/loop1', '/mnt/my data', 'xfs', ['rw'], '7:1', '/'),
  ]);
  assert.equal(parseMountInfo(''), []);
});

test('mount table: the top mount of a stacked mount point; the mount points of given devices', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mountinfo-'));
  try {
    const file = path.join(dir, 'mountinfo');
    await writeFile(file, MOUNTINFO);
    assert.is((await findMount('/mnt/my data', file))?.source, '/dev/loop1');
    assert.is(await findMount('/mnt/nothing', file), undefined);
    assert.equal(await mountsOf(['/dev/loop0', '/dev/loop9'], file), ['/mnt/my data']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('dumpe2fs -h: size is block count times block size', () => {
  const header =
    'Filesystem volume name:   <none>\nBlock count:              409600\nReserved block count:     0\nBlock size:               1024\n';
  assert.is(parseExt4Size(header), 409600 * 1024);
  assert.throws(() => parseExt4Size('Block size: 4096\n'), /Block count/);
});

test('only ext4 and xfs are accepted, by name', () => {
  assert.is(asFsType('xfs'), 'xfs');
  assert.throws(
    () => asFsType('btrfs'),
    (e: unknown) => e instanceof FsError && e.reason === 'invalid-argument' && /btrfs/.test(e.message),
  );
});

test.run();
