// The lab itself: two VMs boot with Debian's kernel and the real agent, talk to each other over
// their private link (and to nothing else), run commands with exit codes, and survive node loss:
// after a hard kill the VM boots again with the same disks and the data on them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Lab } from './lab.ts';

const t = suite('lab: VMs as nodes');
let lab: Lab | undefined;
let setupError: unknown;

t.before(async () => {
  try {
    lab = await Lab.start({ nodes: 2, logName: 'lab-vms' });
  } catch (err) {
    setupError = err;
  }
});
t.before.each(() => {
  if (setupError) throw setupError;
});
t.after(async () => {
  await lab?.teardown();
});

t('each VM runs Debian\'s kernel with device-mapper, its disks carry their serials and WWN', async () => {
  for (const [i, node] of lab!.nodes.entries()) {
    assert.match(await node.sh('uname -r'), /-amd64/);
    assert.match(await node.sh('cat /proc/misc'), /device-mapper/);
    const disks = JSON.parse(await node.sh('lsblk -J -d -o NAME,SERIAL,WWN,ROTA')) as { blockdevices: { name: string; serial: string | null; wwn: string | null; rota: boolean }[] };
    const byName = new Map(disks.blockdevices.map((d) => [d.name, d]));
    assert.is(byName.get('vda')?.serial, `VIRT-${i + 1}-1`);
    assert.is(byName.get('vdb')?.serial, `VIRT-${i + 1}-2`);
    assert.is(byName.get('sda')?.serial, `SCSI-${i + 1}-1`);
    assert.is(byName.get('sda')?.wwn, `0x5000c500a1b2c3${(0xd0 + i + 1).toString(16)}`);
    assert.is(byName.get('sda')?.rota, false, 'rotation_rate=1 makes the SCSI disk an SSD');
    assert.ok((await node.sh('ls /dev/disk/by-id')).includes(`wwn-0x5000c500a1b2c3${(0xd0 + i + 1).toString(16)}`), 'udev made the by-id links');
  }
});

t('a command\'s exit code and both outputs come back', async () => {
  const res = await lab!.nodes[0]!.exec('echo out; echo err >&2; exit 3');
  assert.equal({ code: res.code, stdout: res.stdout, stderr: res.stderr }, { code: 3, stdout: 'out\n', stderr: 'err\n' });
  const slow = await lab!.nodes[0]!.exec('sleep 30', 1_000);
  assert.ok(slow.timedOut, 'a command past its bound is killed');
});

t('the VMs reach each other on the lab link, and nothing beyond it', async () => {
  const a = lab!.nodes[0]!;
  const b = lab!.nodes[1]!;
  await a.sh(`busybox ping -c 2 -W 5 ${lab!.linkAddress(b)}`, 30_000);
  await b.sh(`busybox ping -c 2 -W 5 ${lab!.linkAddress(a)}`, 30_000);
  const out = await a.exec('ip route get 1.1.1.1', 10_000);
  assert.is.not(out.code, 0, `the VM has no route out: ${out.stdout}`);
});

t('node loss: a hard-killed VM boots again with the same disks and their data', async () => {
  const node = lab!.nodes[1]!;
  const sum = await node.sh('head -c 8M /dev/urandom > /tmp/blob && dd if=/tmp/blob of=/dev/vdb bs=1M oflag=direct status=none && sha256sum < /tmp/blob');
  await node.kill();
  assert.not.ok(node.running);
  await node.boot();
  assert.is(await node.sh('head -c 8M /dev/vdb | sha256sum'), sum);
  await node.startAgent();
});

t.run();
