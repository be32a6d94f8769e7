// Two CreateVolume calls for one volume at once: both look, find nothing, and POST; the API server
// lets one through and answers the other 409. That one is ABORTED (the sidecar retries it and then
// finds the volume), never INTERNAL or ALREADY_EXISTS. The API server is faked here so the race is
// the same every run: the pool is there, the volume's GET answers 404, its POST 409.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { status, type ServiceError } from '@grpc/grpc-js';
import { createLogger } from '../../src/common/log.ts';
import type { CreateVolumeRequest } from '../../src/csi/api/generated/csi/v1/CreateVolumeRequest.ts';
import { controllerHandlers } from '../../src/operator/csi/controller.ts';
import { KubeApiError, type KubeClient } from '../../src/operator/runtime/kube/client.ts';

const lost = {
  request: async (method: string, path: string) => {
    if (method === 'GET' && path.includes('/storagepools/')) return { metadata: { name: 'fast' }, spec: {}, status: {} };
    const answer = method === 'POST' ? [409, 'AlreadyExists'] : [404, 'NotFound'];
    throw new KubeApiError(answer[0] as number, answer[1] as string, method, path, 'the race');
  },
} as unknown as KubeClient;

function createVolume(req: CreateVolumeRequest): Promise<ServiceError | null> {
  const handler = controllerHandlers({ client: lost, log: createLogger('test', 'silent') }).CreateVolume!;
  const call = { request: req, getDeadline: () => Date.now() + 10_000, on: () => undefined };
  return new Promise((resolve) => handler(call as never, (err) => resolve(err as ServiceError | null)));
}

test('the create that loses the race to the API server is ABORTED, saying why', async () => {
  const err = await createVolume({
    name: 'pvc-0b7f2c3e-1111-2222-3333-444455556666',
    capacityRange: { requiredBytes: String(1024 ** 3) },
    volumeCapabilities: [{ accessMode: { mode: 'SINGLE_NODE_WRITER' }, mount: { fsType: 'ext4' } }],
    parameters: { pool: 'fast' },
  });
  assert.ok(err, 'refused');
  assert.is(err.code, status.ABORTED, err.details);
  assert.match(err.details, 'is being created by a concurrent call: retry');
});

test.run();
