// A whole-disk volume grows when its disk has grown (a cloud volume resized, here a loop file made
// longer): ExpandVolume looks at the disk again rather than trusting the last periodic scan, which
// this agent makes only every ten minutes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { status } from '@grpc/grpc-js';
import { run } from '../../src/common/exec.ts';
import { callAgent, refused, withAgentHarness, type TestAgent } from '../helpers/agent-harness.ts';

const MiB = 1024 ** 2;
const t = suite('agent: a whole disk grown underneath');

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

t.run();
