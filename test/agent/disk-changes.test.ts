// Disks that change under their volumes. A whole-disk volume grows when its disk has grown (a
// cloud volume resized, here a loop file made longer): ExpandVolume looks at the disk again rather
// than trusting the last periodic scan, which this agent makes only every ten minutes. An LV part
// of which lay on a disk that is unplugged is listed as partial; one wholly on the remaining disk
// is not.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { status } from '@grpc/grpc-js';
import { run } from '../../src/common/exec.ts';
import { callAgent, refused, withAgentHarness, type TestAgent } from '../helpers/agent-harness.ts';

const MiB = 1024 ** 2;
const t = suite('agent: disks grown or unplugged under their volumes');

let a: TestAgent;

withAgentHarness(t, { agents: 1, loopsPerAgent: 1, loopSizeBytes: 512 * MiB, scanIntervalMs: 600_000 }, async (harness) => {
  a = harness.agents[0]!;
  await callAgent(a.client, 'EnsurePool', { name: 'whole', backend: 'POOL_BACKEND_DISK', disks: [a.attached[0]!.device] });
});

t('ExpandVolume finds the larger disk at once; beyond the disk it is refused as DiskCannotGrow', async () => {
  const [loop] = a.attached;
  await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-grow', pool: 'whole', sizeBytes: 300 * MiB });
  await run('truncate', ['-s', String(1024 * MiB), loop!.file]);
  await run('losetup', ['-c', loop!.device]);
  const grown = await callAgent(a.client, 'ExpandVolume', { volumeId: 'pvc-grow', pool: 'whole', sizeBytes: 800 * MiB });
  assert.is(grown.volume!.sizeBytes, String(1024 * MiB), 'the disk as it is now');
  const tooBig = await refused(callAgent(a.client, 'ExpandVolume', { volumeId: 'pvc-grow', pool: 'whole', sizeBytes: 2048 * MiB }));
  assert.is(tooBig.code, status.FAILED_PRECONDITION);
  assert.match(tooBig.details, /is a whole disk of 1073741824 bytes and cannot grow to 2147483648/);
  assert.ok((await callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-grow' })).deleted);
});

t('a disk of an LVM pool unplugged: the LV that lay partly on it is listed as partial, the other stays whole', async () => {
  const first = await a.addLoop(512 * MiB);
  const second = await a.addLoop(512 * MiB);
  await callAgent(a.client, 'EnsurePool', { name: 'spread', backend: 'POOL_BACKEND_LVM', disks: [first.device, second.device] });
  // Linear allocation: the small LV fits on the first disk, the large one runs on into the second.
  await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-small', pool: 'spread', sizeBytes: 100 * MiB });
  await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-large', pool: 'spread', sizeBytes: 700 * MiB });
  const before = await callAgent(a.client, 'ListVolumes', { pool: 'spread' });
  assert.equal(before.volumes.map((v) => [v.id, v.partial]).sort(), [
    ['pvc-large', false],
    ['pvc-small', false],
  ]);
  await a.removeLoop(second);
  const after = await callAgent(a.client, 'ListVolumes', { pool: 'spread' });
  assert.equal(after.volumes.map((v) => [v.id, v.partial]).sort(), [
    ['pvc-large', true],
    ['pvc-small', false],
  ]);
});

t.run();
