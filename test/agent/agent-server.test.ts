// The agent's server: mutual TLS (a client without a certificate from the agents' CA is
// refused), the standard health service, and a graceful stop on SIGTERM that ends open streams.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { status, type ServiceError } from '@grpc/grpc-js';
import { callAgent, createAgentClient, createHealthClient } from '../../src/agent-api/client.ts';
import { type AgentHarness, type TestAgent, withAgentHarness, refused } from '../helpers/agent-harness.ts';
import { TestPki } from '../helpers/certs.ts';

const t = suite('agent server');

let h: AgentHarness | undefined;
let a: TestAgent;

withAgentHarness(t, { agents: 1, loopsPerAgent: 1 }, (harness) => {
  h = harness;
  a = h.agents[0]!;
});

t('health: SERVING for the server and the Agent service, NOT_FOUND for others', async () => {
  const check = (service: string) =>
    new Promise<{ status?: string; code?: number }>((resolve) => {
      a.health.Check({ service }, { deadline: Date.now() + 5_000 }, (err, res) =>
        resolve(err ? { code: err.code } : { status: res!.status }),
      );
    });
  assert.equal(await check(''), { status: 'SERVING' });
  assert.equal(await check('stratum.agent.v1.Agent'), { status: 'SERVING' });
  assert.equal(await check('some.Other'), { code: status.NOT_FOUND });
});

t('a client with a certificate from the agents CA is served', async () => {
  const info = await callAgent(a.client, 'GetNodeInfo', {});
  assert.is(info.nodeName, 'node-a');
  assert.is(info.deviceMapper, false);
  assert.match(info.lvmVersion, /^2\./);
});

t('a client without a certificate is refused', async () => {
  const client = createAgentClient(a.address, { ca: h!.pki.ca.cert }, a.name);
  try {
    const err = await refused(callAgent(client, 'GetNodeInfo', {}, 5_000));
    assert.is(err.code, status.UNAVAILABLE, err.details);
  } finally {
    client.close();
  }
});

t('a client whose certificate comes from another CA is refused (health too)', async () => {
  const rogue = await TestPki.create(path.join(h!.dir, 'rogue-pki'), 'rogue-ca');
  const cert = await rogue.issue({ name: 'operator', commonName: 'stratum-operator', usage: 'client' });
  // Trusts the real CA (so the server is accepted) but presents the rogue certificate.
  const tls = { ca: h!.pki.ca.cert, cert: cert.cert, key: cert.key };
  const client = createAgentClient(a.address, tls, a.name);
  const health = createHealthClient(a.address, tls, a.name);
  try {
    const err = await refused(callAgent(client, 'ListVolumes', {}, 5_000));
    assert.is(err.code, status.UNAVAILABLE, err.details);
    const herr = await new Promise<number | undefined>((resolve) =>
      health.Check({ service: '' }, { deadline: Date.now() + 5_000 }, (e) => resolve(e?.code)),
    );
    assert.is(herr, status.UNAVAILABLE);
  } finally {
    client.close();
    health.close();
  }
});

t('SIGTERM: open WatchDisks streams end, the process exits 0 well within the grace period', async () => {
  const stream = a.client.WatchDisks({});
  const ended = new Promise<string>((resolve) => {
    stream.on('end', () => resolve('end'));
    stream.on('error', (e: ServiceError) => resolve(`error ${e.code}`));
  });
  stream.on('data', () => undefined);
  await new Promise((r) => setTimeout(r, 500));
  const started = Date.now();
  const code = await a.stop(10_000);
  assert.is(code, 0);
  assert.ok(Date.now() - started < 5_000, `stopped in ${Date.now() - started} ms`);
  assert.is(await ended, 'end');
  assert.match(a.logs(), /"msg":"agent stopped"/);
});

t.run();
