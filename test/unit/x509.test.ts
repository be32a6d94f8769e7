// The operator's X.509 writer, checked by the real openssl and by node:crypto: a CA, and leaves
// that chain to it with the identity URI, usages and validity asked for.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../src/common/exec.ts';
import { issueCertificate, newKeyPair, toPem } from '../../src/operator/identity/x509.ts';
import { callerOf } from '../../src/agent-api/identity.ts';

const now = Date.now();
const ca = newKeyPair();
const caIssuer = { commonName: 'stratum-ca-test', ...ca };
const caPem = toPem(
  issueCertificate(
    {
      commonName: 'stratum-ca-test',
      publicKey: ca.publicKey,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3_600_000),
      ca: true,
    },
    caIssuer,
  ),
);
const leafPem = toPem(
  issueCertificate(
    {
      commonName: 'worker-1',
      publicKey: newKeyPair().publicKey,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(Date.UTC(2051, 0, 1)),
      uris: ['stratum://agent/worker-1'],
      usages: ['serverAuth'],
    },
    caIssuer,
  ),
);

test('openssl verifies the chain and reads the extensions', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'stratum-x509-'));
  try {
    await writeFile(path.join(dir, 'ca.pem'), caPem);
    await writeFile(path.join(dir, 'leaf.pem'), leafPem);
    const verified = await run('openssl', [
      'verify',
      '-purpose',
      'sslserver',
      '-CAfile',
      path.join(dir, 'ca.pem'),
      path.join(dir, 'leaf.pem'),
    ]);
    assert.match(verified.stdout, 'leaf.pem: OK');
    const text = (await run('openssl', ['x509', '-in', path.join(dir, 'leaf.pem'), '-noout', '-text'])).stdout;
    assert.match(text, 'URI:stratum://agent/worker-1');
    assert.match(text, /Basic Constraints: critical\s+CA:FALSE/);
    assert.match(text, /Extended Key Usage:\s+TLS Web Server Authentication\n/);
    assert.match(text, 'Not After : Jan  1 00:00:00 2051 GMT', 'GeneralizedTime after 2049');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('node:crypto sees a CA, a leaf it issued, and the identity', () => {
  const caCert = new X509Certificate(caPem);
  const leaf = new X509Certificate(leafPem);
  assert.ok(caCert.ca);
  assert.not.ok(leaf.ca);
  assert.ok(leaf.checkIssued(caCert) && leaf.verify(caCert.publicKey));
  assert.equal(callerOf({ subjectaltname: leaf.subjectAltName }), { role: 'agent', node: 'worker-1' });
});

test('identities: operator, peer, none', () => {
  assert.equal(callerOf({ subjectaltname: 'DNS:x, URI:stratum://operator' }), { role: 'operator' });
  assert.equal(callerOf({ subjectaltname: 'URI:stratum://peer/node-b' }), { role: 'peer', node: 'node-b' });
  assert.is(callerOf({ subjectaltname: 'DNS:stratum-agent' }), undefined);
  assert.is(callerOf(undefined), undefined);
});

test.run();
