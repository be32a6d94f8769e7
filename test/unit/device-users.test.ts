// Device numbers as the kernel encodes them: the mount table names a mounted device by its number,
// which is how a mount through another name (/dev/mapper/vg-lv for /dev/vg/lv) is found.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { majMin } from '../../src/agent/fs/device-users.ts';

const t = suite('device users');

t('majMin decodes small and large device numbers', () => {
  assert.is(majMin(0x0803n), '8:3');
  assert.is(majMin(0xfd00n), '253:0');
  // major 259 (blkext), minor 300: minor's high bits live above bit 20.
  assert.is(majMin((259n << 8n) | (300n & 0xffn) | ((300n & ~0xffn) << 12n)), '259:300');
});

t.run();
