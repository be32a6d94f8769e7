// Small pieces around the CSI services: endpoint parsing, the status an error becomes, the API
// server's failures as UNAVAILABLE, and the agent's CSI flags.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { status } from '@grpc/grpc-js';
import { socketPath } from '../../src/csi/server.ts';
import { CsiError, csiStatus, invalid } from '../../src/csi/errors.ts';
import { notFound as agentNotFound } from '../../src/agent-api/errors.ts';
import { KubeApiError, KubeTransportError } from '../../src/operator/runtime/kube/client.ts';
import { apiFailure } from '../../src/operator/csi/controller.ts';
import { parseAgentConfig } from '../../src/agent/config.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '../../src/common/log.ts';
import { KubeClient } from '../../src/operator/runtime/kube/client.ts';
import { serveControllerCsi } from '../../src/operator/csi/serve.ts';
import { callCsi, connectCsi } from '../../src/csi/client.ts';

test('endpoints: unix:///path or /path; anything else refused', () => {
  assert.is(socketPath('unix:///csi/csi.sock'), '/csi/csi.sock');
  assert.is(socketPath('/run/x.sock'), '/run/x.sock');
  assert.throws(() => socketPath('tcp://127.0.0.1:1'), /not unix:\/\/\/absolute\/path/);
  assert.throws(() => socketPath('unix://relative.sock'), /not unix/);
});

test('statuses: CSI refusals keep their code, agent errors their gRPC mapping, the rest INTERNAL', () => {
  assert.equal(csiStatus(invalid('volume_id is required'), 'NodeStageVolume'), {
    code: status.INVALID_ARGUMENT,
    details: 'NodeStageVolume: volume_id is required',
  });
  assert.is(csiStatus(agentNotFound('volume x not found'), 'M').code, status.NOT_FOUND);
  assert.is(csiStatus(new Error('boom'), 'M').code, status.INTERNAL);
});

test('API server failures: overload and outage are UNAVAILABLE, refusals stay as they are', () => {
  const overloaded = apiFailure(new KubeApiError(429, 'TooManyRequests', 'GET', '/x', 'slow down'));
  assert.instance(overloaded, CsiError);
  assert.is((overloaded as CsiError).code, status.UNAVAILABLE);
  assert.is((apiFailure(new KubeApiError(503, 'ServiceUnavailable', 'GET', '/x', '')) as CsiError).code, status.UNAVAILABLE);
  const econnrefused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
  const outage = new KubeTransportError('POST', '/apis/storage.stratum.dev/v1alpha1/localvolumes', econnrefused);
  assert.is(outage.code, 'ECONNREFUSED');
  assert.is((apiFailure(outage) as CsiError).code, status.UNAVAILABLE);
  // Told by its type, not its text: a bug whose message happens to start like a request stays a bug.
  const bug = new Error('POST /apis/x: cannot read properties of undefined');
  assert.is(apiFailure(bug), bug);
  const refused = new KubeApiError(422, 'Invalid', 'POST', '/x', 'spec.size: invalid');
  assert.is(apiFailure(refused), refused);
  const csi = invalid('x');
  assert.is(apiFailure(csi), csi);
});

test('agent flags: --csi-endpoint / $STRATUM_CSI_ENDPOINT and --csi-max-volumes', () => {
  const tls = ['--tls-ca', '/ca', '--tls-cert', '/c', '--tls-key', '/k'];
  const none = parseAgentConfig(tls, {})!;
  assert.is(none.csiEndpoint, undefined);
  assert.is(none.csiMaxVolumes, 0);
  assert.is(parseAgentConfig(tls, { STRATUM_CSI_ENDPOINT: 'unix:///csi/csi.sock' })!.csiEndpoint, 'unix:///csi/csi.sock');
  assert.is(parseAgentConfig([...tls, '--csi-max-volumes', '64'], {})!.csiMaxVolumes, 64);
  assert.throws(() => parseAgentConfig([...tls, '--csi-max-volumes', 'lots'], {}), /--csi-max-volumes/);
  assert.throws(
    () => parseAgentConfig([...tls, '--csi-endpoint', 'tcp://0.0.0.0:1'], {}),
    /--csi-endpoint: CSI endpoint "tcp:\/\/0.0.0.0:1" is not unix/,
  );
});

test('operator endpoint with the API server down: Probe not ready, CreateVolume UNAVAILABLE, identity still answers', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'stratum-csi-unit-'));
  const kc = new KubeConfig();
  // Port 9 on loopback: nothing listens, every request is refused at once.
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:9', skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const client = new KubeClient(kc);
  const endpoint = `unix://${path.join(dir, 'csi.sock')}`;
  const server = await serveControllerCsi(endpoint, client, createLogger('test', 'silent'), { maxWaitMs: 1_000 });
  const csi = connectCsi(endpoint);
  try {
    assert.is((await callCsi(csi.identity, 'GetPluginInfo', {})).name, 'csi.stratum.dev');
    assert.is((await callCsi(csi.identity, 'Probe', {})).ready?.value, false);
    const err = await callCsi(csi.controller, 'CreateVolume', {
      name: 'pvc-1',
      parameters: { pool: 'p' },
      capacityRange: { requiredBytes: '1048576' },
      volumeCapabilities: [{ accessMode: { mode: 'SINGLE_NODE_WRITER' }, mount: { fsType: 'ext4' } }],
    }).then(
      () => undefined,
      (e: { code: number; details: string }) => e,
    );
    assert.is(err?.code, status.UNAVAILABLE, err?.details);
    assert.match(err!.details, /API server unreachable/);
    const unimplemented = await callCsi(csi.controller, 'ControllerPublishVolume', { volumeId: 'v', nodeId: 'n' }).then(
      () => undefined,
      (e: { code: number }) => e.code,
    );
    assert.is(unimplemented, status.UNIMPLEMENTED);
  } finally {
    csi.close();
    await server.stop(1_000);
    client.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
