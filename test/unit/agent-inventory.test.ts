import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pino } from 'pino';
import { NodeDiskInventory } from '../../src/agent/disks/inventory.ts';
import type { ScannedDisk } from '../../src/agent/disks/scan.ts';

const disk = (id: string, devicePath: string, over: Partial<ScannedDisk> = {}): ScannedDisk => ({
  id,
  devicePath,
  byIdPaths: [],
  wwn: '',
  serial: '',
  model: '',
  vendor: '',
  sizeBytes: '1000',
  mediaClass: 'MEDIA_CLASS_SSD',
  rotational: false,
  transport: '',
  inUseReasons: [],
  backingFile: '',
  majorMinor: '',
  ...over,
});

function inventory(scans: ScannedDisk[][], owners = new Map<string, string>()) {
  let i = 0;
  const inv = new NodeDiskInventory({
    filter: [],
    scanIntervalMs: 1000,
    log: pino({ level: 'silent' }),
    owners: () => owners,
    scan: async () => scans[Math.min(i++, scans.length - 1)]!,
  });
  const events: string[] = [];
  inv.subscribe((e) => events.push(`${e.type} ${e.disk.id} ${e.disk.devicePath} ${e.disk.state}`));
  return { inv, events };
}

test('first scan: ADDED per disk; states from usage and ownership', async () => {
  const { inv, events } = inventory(
    [[disk('serial:A', '/dev/sdb'), disk('serial:B', '/dev/sdc', { inUseReasons: ['signature:ext4'] }), disk('serial:C', '/dev/sdd')]],
    new Map([['serial:C', 'fast']]),
  );
  const disks = await inv.refresh();
  assert.equal(events, [
    'ADDED serial:A /dev/sdb DISK_STATE_AVAILABLE',
    'ADDED serial:B /dev/sdc DISK_STATE_IN_USE',
    'ADDED serial:C /dev/sdd DISK_STATE_IN_USE',
  ]);
  assert.equal(disks.find((d) => d.id === 'serial:C')!.inUseReasons, ['pool:fast']);
  assert.is(disks.find((d) => d.id === 'serial:C')!.pool, 'fast');
});

test('rename → CHANGED (same id), removal → REMOVED with MISSING, return → ADDED; no event when nothing changed', async () => {
  const { inv, events } = inventory([
    [disk('serial:A', '/dev/sdb')],
    [disk('serial:A', '/dev/sdb')],
    [disk('serial:A', '/dev/sdc')],
    [],
    [disk('serial:A', '/dev/sdd', { sizeBytes: '2000' })],
  ]);
  for (let i = 0; i < 5; i++) await inv.refresh();
  assert.equal(events, [
    'ADDED serial:A /dev/sdb DISK_STATE_AVAILABLE',
    'CHANGED serial:A /dev/sdc DISK_STATE_AVAILABLE',
    'REMOVED serial:A /dev/sdc DISK_STATE_MISSING',
    'ADDED serial:A /dev/sdd DISK_STATE_AVAILABLE',
  ]);
  assert.is(inv.find('/dev/sdd')!.sizeBytes, '2000');
});

test('a pool disk absent at start is listed MISSING with its pool; find() skips missing disks', async () => {
  const { inv } = inventory([[disk('serial:A', '/dev/sdb')]], new Map([['wwn:gone', 'fast']]));
  const disks = await inv.refresh();
  const gone = disks.find((d) => d.id === 'wwn:gone')!;
  assert.is(gone.state, 'DISK_STATE_MISSING');
  assert.is(gone.pool, 'fast');
  assert.is(inv.find('wwn:gone'), undefined);
  assert.is(inv.find('serial:A')!.devicePath, '/dev/sdb');
});

test('a refresh during a scan gets a scan begun after it (a disk attached meanwhile is listed); waiting callers share it', async () => {
  let scans = 0;
  let attached = [disk('serial:A', '/dev/sdb')];
  const inv = new NodeDiskInventory({
    filter: [],
    scanIntervalMs: 1000,
    log: pino({ level: 'silent' }),
    owners: () => new Map(),
    scan: async () => {
      scans++;
      const seen = attached;
      await new Promise((r) => setTimeout(r, 20));
      return seen;
    },
  });
  const periodic = inv.refresh();
  attached = [...attached, disk('serial:B', '/dev/sdc')];
  const [first, second, third] = await Promise.all([periodic, inv.refresh(), inv.refresh()]);
  assert.equal(
    first.map((d) => d.id),
    ['serial:A'],
  );
  for (const after of [second, third])
    assert.equal(
      after.map((d) => d.id),
      ['serial:A', 'serial:B'],
    );
  assert.is(scans, 2);
});

test('the interval scans only when the block layer changed, once a while regardless, and again after a failure', async () => {
  let layer = 'sda 100';
  let scans = 0;
  let failNext = false;
  const make = (unchangedRescanMs: number) =>
    new NodeDiskInventory({
      filter: [],
      scanIntervalMs: 5,
      log: pino({ level: 'silent' }),
      owners: () => new Map(),
      layer: () => layer,
      unchangedRescanMs,
      scan: async () => {
        scans++;
        if (failNext) {
          failNext = false;
          throw new Error('wipefs failed');
        }
        return [disk('serial:A', '/dev/sda')];
      },
    });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
  const inv = make(60_000);
  inv.start();
  try {
    await settle();
    assert.is(scans, 1, 'the first turn scans; unchanged turns after it do not');
    layer = 'sda 100\nsdb 200';
    await settle();
    assert.is(scans, 2, 'a new device in the kernel table: one scan');
    failNext = true;
    layer = 'sda 100';
    await settle();
    assert.is(scans, 4, 'the failed scan is tried again at the next turn, then the layer is settled');
    assert.is(inv.current().length, 1);
  } finally {
    inv.stop();
  }
  scans = 0;
  const often = make(20);
  often.start();
  try {
    await settle();
    assert.ok(scans >= 3, `unchanged, it still scans every 20 ms here (${scans} scans)`);
  } finally {
    often.stop();
  }
});

test.run();
