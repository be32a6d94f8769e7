// Which replicas a node's listing shows to have lost their LV or disk: Ready ones made before the
// listing, on that node, whose pool/volume it does not show, or shows as a partial LV. New, deleting, unmade and other
// nodes' replicas are never taken for vanished.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { VolumeReplica } from '../../src/api/index.ts';
import { listedVolume } from '../helpers/listed-volume.ts';
import type { Volume__Output } from '../../src/agent-api/generated/stratum/agent/v1/Volume.ts';
import { lostReplicas } from '../../src/operator/volumes/replica-presence.ts';

const LISTED_AT = Date.parse('2026-12-03T12:00:00Z');

function replica(
  volume: string,
  over: { node?: string; readySince?: string; state?: 'Ready' | 'Pending' | 'Lost'; reason?: string; deleting?: boolean } = {},
): VolumeReplica {
  return {
    apiVersion: 'storage.stratum.dev/v1alpha1',
    kind: 'VolumeReplica',
    metadata: { name: `${volume}-r`, ...(over.deleting ? { deletionTimestamp: '2026-12-03T11:59:00Z' } : {}) },
    spec: { volume, node: over.node ?? 'a', pool: 'nvme', size: '1Gi', role: 'primary' },
    status: {
      state: over.state ?? 'Ready',
      ...(over.state === 'Pending' ? {} : { devicePath: `/dev/stratum-nvme/${volume}` }),
      conditions: [
        {
          type: 'Ready',
          status: over.state === 'Lost' ? 'False' : 'True',
          reason: over.reason ?? 'Ready',
          message: 'ok',
          lastTransitionTime: over.readySince ?? '2026-12-03T11:00:00Z',
        },
      ],
    },
  };
}

const listed = (id: string, pool = 'nvme', orphan = false): Volume__Output => listedVolume(id, { pool, orphan });

const vanishedReplicas = (...args: Parameters<typeof lostReplicas>) => lostReplicas(...args).map((l) => l.replica);
const names = (rs: VolumeReplica[]) => rs.map((r) => r.spec.volume);

test('a Ready replica whose volume the listing lacks has vanished; one it shows has not', () => {
  assert.equal(names(vanishedReplicas('a', [listed('v1')], [replica('v1'), replica('v2')], LISTED_AT)), ['v2']);
});

test('a claimed whole disk that is listed without its device has vanished', () => {
  const gone = { ...listed('v1'), backend: 'POOL_BACKEND_DISK' as const, devicePresent: false, diskId: 'wwn-1', lvName: '' };
  const there = { ...listed('v2'), backend: 'POOL_BACKEND_DISK' as const, devicePresent: true, diskId: 'wwn-2', lvName: '' };
  assert.equal(names(vanishedReplicas('a', [gone, there], [replica('v1'), replica('v2')], LISTED_AT)), ['v1']);
});

test('same name in another pool, or only as an orphan, does not count as present', () => {
  assert.equal(names(vanishedReplicas('a', [listed('v1', 'ssd'), listed('v2', 'nvme', true)], [replica('v1'), replica('v2')], LISTED_AT)), [
    'v1',
    'v2',
  ]);
});

test('never vanished: other nodes, being deleted, not made yet, or Ready too recently for the listing to show', () => {
  const rs = [
    replica('other', { node: 'b' }),
    replica('deleting', { deleting: true }),
    replica('unmade', { state: 'Pending' }),
    replica('fresh', { readySince: '2026-12-03T11:59:59Z' }),
  ];
  assert.equal(vanishedReplicas('a', [], rs, LISTED_AT), []);
});

test('an LV listed as partial (a disk of its pool unplugged) is lost, and says so; a whole one is not', () => {
  const lost = lostReplicas('a', [listed('v1'), listedVolume('v2', { partial: true })], [replica('v1'), replica('v2')], LISTED_AT);
  assert.equal(
    lost.map((l) => [l.replica.spec.volume, l.partial]),
    [['v2', true]],
  );
});

test('a replica Lost with VolumeLost comes again (its disk may show as Missing later); Lost for another reason does not', () => {
  const rs = [replica('v1', { state: 'Lost', reason: 'VolumeLost' }), replica('v2', { state: 'Lost', reason: 'NodeLost' })];
  assert.equal(names(vanishedReplicas('a', [], rs, LISTED_AT)), ['v1']);
});

test.run();
