// Who may call an agent, proven by certificates: only the operator drives it; another agent's
// certificate — serving or peer — is refused with PERMISSION_DENIED; a peer may send volume data
// only when the operator ordered that copy from that very node. Certificates given as files are
// re-read when the files change, on the agent (serving) and on the client (operator) side.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { callAgent, createAgentClient, type AgentClient, type ClientTls } from '../../src/agent-api/client.ts';
import { CertificateSource } from '../../src/agent-api/certificate-source.ts';
import { agentPeerIdentity, OPERATOR_IDENTITY } from '../../src/agent-api/identity.ts';
import type { ReceiveVolumeResponse__Output } from '../../src/agent-api/generated/stratum/agent/v1/ReceiveVolumeResponse.ts';
import { type AgentHarness, type TestAgent, withAgentHarness, refused } from '../helpers/agent-harness.ts';
import { servedCertificate } from '../helpers/served-certificate.ts';

const t = suite('agent identity');

let h: AgentHarness;
let a: TestAgent;
const clients: AgentClient[] = [];

withAgentHarness(t, { agents: 2, loopsPerAgent: 0, extraArgs: ['--tls-reload-ms', '200'] }, (harness) => {
  h = harness;
  a = h.agents[0]!;
});

t.after.each(() => {
  for (const c of clients.splice(0)) c.close();
});

/** A client of node-a that presents node-b's certificate of the given kind. */
function asNodeB(kind: 'serving' | 'peer'): AgentClient {
  const name = kind === 'serving' ? 'node-b' : 'node-b-peer';
  const tls: ClientTls = { ca: h.pki.ca.cert, cert: path.join(h.pki.dir, `${name}.crt`), key: path.join(h.pki.dir, `${name}.key`) };
  const client = createAgentClient(a.address, tls, 'node-a');
  clients.push(client);
  return client;
}

function receive(client: AgentClient, volumeId: string): Promise<ReceiveVolumeResponse__Output> {
  return new Promise((resolve, reject) => {
    const stream = client.ReceiveVolume({ deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res!)));
    stream.write({ header: { volumeId, totalBytes: String(1 << 20) } });
    stream.end();
  });
}

const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 10_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

t("a mutating call with another agent's certificate is refused with PERMISSION_DENIED", async () => {
  const err = await refused(
    callAgent(asNodeB('peer'), 'CreateVolume', { volumeId: 'pvc-x', pool: 'p', sizeBytes: String(1 << 20) }, 5_000),
  );
  assert.is(err.code, grpc.status.PERMISSION_DENIED, err.details);
  assert.match(
    err.details,
    `node-a: CreateVolume refused: the client certificate names ${agentPeerIdentity('node-b')}; only the operator (stratum://operator) may call it`,
  );
});

t("another agent's serving certificate is no client certificate at all: refused in the handshake", async () => {
  const err = await refused(callAgent(asNodeB('serving'), 'GetNodeInfo', {}, 5_000));
  assert.is(err.code, grpc.status.UNAVAILABLE, err.details);
});

t("volume data from a peer is refused without the operator's copy order, and from a peer the order does not name", async () => {
  const none = await refused(receive(asNodeB('peer'), 'pvc-ordered'));
  assert.is(none.code, grpc.status.PERMISSION_DENIED, none.details);
  assert.match(
    none.details,
    'volume pvc-ordered on node-a: refused data from stratum://peer/node-b: the operator has given no copy order for it',
  );
  await callAgent(a.client, 'ExpectVolume', { volumeId: 'pvc-ordered', sourceNode: 'node-c', validSeconds: 60 });
  const other = await refused(receive(asNodeB('peer'), 'pvc-ordered'));
  assert.is(other.code, grpc.status.PERMISSION_DENIED, other.details);
  assert.match(other.details, "the operator's copy order names node-c");
  // Ordered from node-b, the order passes and the volume check answers (no such volume here).
  await callAgent(a.client, 'ExpectVolume', { volumeId: 'pvc-ordered', sourceNode: 'node-b', validSeconds: 60 });
  const ordered = await refused(receive(asNodeB('peer'), 'pvc-ordered'));
  assert.is(ordered.code, grpc.status.NOT_FOUND, ordered.details);
});

t("ExpectVolume itself is the operator's: a peer cannot order its own copy", async () => {
  const err = await refused(
    callAgent(asNodeB('peer'), 'ExpectVolume', { volumeId: 'pvc-self', sourceNode: 'node-b', validSeconds: 60 }, 5_000),
  );
  assert.is(err.code, grpc.status.PERMISSION_DENIED, err.details);
});

t('the agent serves a renewed certificate file without a restart', async () => {
  const ca = readFileSync(h.pki.ca.cert);
  const before = await servedCertificate(a.address, ca);
  await h.pki.issue({ name: 'node-a', commonName: 'node-a', uris: ['stratum://agent/node-a'], usage: 'server' });
  await until(
    'the new serving certificate is served',
    async () => (await servedCertificate(a.address, ca)).serialNumber !== before.serialNumber,
  );
  const fresh = createAgentClient(a.address, h.clientTls, 'node-a');
  clients.push(fresh);
  assert.is((await callAgent(fresh, 'GetNodeInfo', {}, 5_000)).nodeName, 'node-a');
  assert.match(a.logs(), '"msg":"serving certificate reloaded"');
});

t('the operator side re-reads its certificate files: new connections present the new certificate', async () => {
  const files = { ca: h.pki.ca.cert, cert: path.join(h.pki.dir, 'op-reload.crt'), key: path.join(h.pki.dir, 'op-reload.key') };
  await h.pki.issue({ name: 'op-reload', commonName: 'stratum-operator', uris: [OPERATOR_IDENTITY], usage: 'client' });
  const source = await CertificateSource.watchFiles(files, 200, () => undefined);
  try {
    const first = createAgentClient(a.address, source, 'node-a');
    clients.push(first);
    await callAgent(first, 'GetNodeInfo', {}, 5_000);
    // The files now hold a certificate that is not the operator's: once re-read, a new connection is refused.
    await h.pki.issue({ name: 'op-reload', commonName: 'intruder', uris: [agentPeerIdentity('node-z')], usage: 'client' });
    await until('the client presents the re-read certificate', async () => {
      const next = createAgentClient(a.address, source, 'node-a');
      clients.push(next);
      const err = await callAgent(next, 'GetNodeInfo', {}, 5_000).then(
        () => undefined,
        (e: grpc.ServiceError) => e,
      );
      return err?.code === grpc.status.PERMISSION_DENIED;
    });
  } finally {
    source.close();
  }
});

t.run();
