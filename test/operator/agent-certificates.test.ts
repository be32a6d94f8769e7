// Agent certificates without manual steps, on a real API server: the operator creates its CA
// (Secret + public trust bundle), an agent proves its node with its pod's projected token
// (TokenRequest → TokenReview), a token whose pod runs on another node gets nothing, and a real
// agent process replaces a missing or expiring certificate from the endpoint without a restart.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile, unlink, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeClient, resourcePath } from '../../src/operator/runtime/kube/client.ts';
import { startOperatorIdentity, type OperatorIdentity } from '../../src/operator/identity/operator-identity.ts';
import { CertificateAuthority } from '../../src/operator/identity/authority.ts';
import { newKeyPair } from '../../src/operator/identity/x509.ts';
import { CertificateRenewer } from '../../src/agent/identity/renewal.ts';
import { callAgent } from '../../src/agent-api/client.ts';
import { agentServerIdentity, uriNames } from '../../src/agent-api/identity.ts';
import { AGENT_SERVICE_ACCOUNT, AGENT_TOKEN_AUDIENCE, CA_SECRET, TRUST_BUNDLE_CONFIGMAP } from '../../src/common/constants.ts';
import { createLogger } from '../../src/common/log.ts';
import { connectToSharedControlPlane, uniqueName } from '../rig/connect.ts';
import { Kubelet } from '../rig/kubelet.ts';
import { AgentHarness } from '../helpers/agent-harness.ts';
import { servedCertificate } from '../helpers/served-certificate.ts';
import { createNamespace, deleteNamespace, waitFor } from './support.ts';

const t = suite('agent certificates');
const rig = connectToSharedControlPlane();
const admin = new KubeClient(rig.kubeConfig());
const kubelet = new Kubelet(rig.kubeConfig());
const log = createLogger('test', 'silent');
/** Short, so a renewal (at 2/3 of the lifetime) happens within the test. */
const LIFETIME_MS = 15_000;

let ns = '';
let dir = '';
let identity: OperatorIdentity | undefined;
let harness: AgentHarness | undefined;
const nodes = [uniqueName('cert-a'), uniqueName('cert-b')];
const [nodeA, nodeB] = nodes as [string, string];

/** A token for the agent pod on `node`, bound to the pod, for the operator's audience (what kubelet projects). */
async function agentToken(node: string, audience = AGENT_TOKEN_AUDIENCE): Promise<string> {
  const pod = await admin.request<{ metadata: { name: string; uid: string } }>(
    'GET',
    resourcePath({ apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespaced: true }, ns, `agent-${node}`),
  );
  const res = await admin.request<{ status: { token: string } }>(
    'POST',
    `/api/v1/namespaces/${ns}/serviceaccounts/${AGENT_SERVICE_ACCOUNT}/token`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: [audience],
          expirationSeconds: 600,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
        },
      },
    },
  );
  return res.status.token;
}

const bundleFile = () => path.join(dir, 'ca-bundle.crt');
const tokenFile = (node: string) => path.join(dir, `${node}.token`);

t.before(async () => {
  ns = await createNamespace(admin, 'certs');
  dir = await mkdtemp(path.join(tmpdir(), 'stratum-certs-'));
  for (const [i, node] of nodes.entries()) {
    await kubelet.addNode({ name: node, address: `127.0.0.${i + 2}` });
    await kubelet.runPod({ namespace: ns, name: `agent-${node}`, node, serviceAccountName: AGENT_SERVICE_ACCOUNT });
    await writeFile(tokenFile(node), await agentToken(node));
  }
  identity = await startOperatorIdentity({
    client: admin,
    namespace: ns,
    mode: 'managed',
    bootstrap: { host: '127.0.0.1', port: 0 },
    leafLifetimeMs: LIFETIME_MS,
    refreshMs: 1_000,
    log,
  });
  await writeFile(bundleFile(), identity.source.current()!.ca);
});

t.after(async () => {
  await harness?.cleanup();
  await identity?.stop();
  for (const node of nodes) await kubelet.removeNode(node).catch(() => undefined);
  await kubelet.stop();
  await deleteNamespace(admin, ns);
  await rm(dir, { recursive: true, force: true });
  admin.close();
});

const renewer = (node: string, token: string) =>
  new CertificateRenewer(
    {
      node,
      url: `https://127.0.0.1:${identity!.bootstrapPort}`,
      tokenFile: token,
      ca: bundleFile(),
      serving: { cert: path.join(dir, node, 'tls.crt'), key: path.join(dir, node, 'tls.key') },
      peer: { cert: path.join(dir, node, 'peer.crt'), key: path.join(dir, node, 'peer.key') },
      intervalMs: 60_000,
    },
    log,
  );

t('the operator creates its CA in a Secret and publishes only the public bundle in a ConfigMap', async () => {
  const secret = await admin.request<{ type: string; data: Record<string, string> }>(
    'GET',
    `/api/v1/namespaces/${ns}/secrets/${CA_SECRET}`,
  );
  assert.is(secret.type, 'kubernetes.io/tls');
  assert.ok(secret.data['tls.key'], 'the CA key is in the Secret');
  const bundle = await admin.request<{ data: Record<string, string> }>(
    'GET',
    `/api/v1/namespaces/${ns}/configmaps/${TRUST_BUNDLE_CONFIGMAP}`,
  );
  assert.not.match(bundle.data['ca.crt']!, 'PRIVATE KEY');
  assert.ok(new X509Certificate(bundle.data['ca.crt']!).ca);
});

t('an agent gets certificates for the node its pod runs on', async () => {
  await renewer(nodeA, tokenFile(nodeA)).ensure();
  const serving = new X509Certificate(await readFile(path.join(dir, nodeA, 'tls.crt')));
  assert.equal(uriNames(serving.subjectAltName), [agentServerIdentity(nodeA)]);
  assert.ok(serving.verify(new X509Certificate(await readFile(bundleFile())).publicKey));
});

t("a renamed node cannot obtain another node's certificate: the pod behind the token runs elsewhere", async () => {
  // The agent of node A claims to be node B (a renamed or lying node): its token says pod agent-<A>.
  const err = await renewer(nodeB, tokenFile(nodeA))
    .ensure()
    .then(
      () => undefined,
      (e: Error) => e,
    );
  assert.ok(err, "the request for another node's certificate succeeded");
  assert.match(err.message, `answered 403: pod ${ns}/agent-${nodeA} runs on node ${nodeA}: it cannot have certificates for node ${nodeB}`);
  assert.not.ok(
    await readFile(path.join(dir, nodeB, 'tls.crt')).then(
      () => true,
      () => false,
    ),
    'nothing was written for node B',
  );
  const event = await waitFor(
    'a Warning Event on the pod',
    async () => {
      const list = await admin.request<{ items: { reason: string; message: string; involvedObject: { name: string } }[] }>(
        'GET',
        `/api/v1/namespaces/${ns}/events`,
      );
      return list.items.find((e) => e.reason === 'CertificateRefused' && e.involvedObject.name === `agent-${nodeA}`);
    },
    5_000,
    100,
  );
  assert.match(event.message, `cannot have certificates for node ${nodeB}`);
});

t('a token for another audience, or none, gets nothing', async () => {
  const other = path.join(dir, 'other-audience.token');
  await writeFile(other, await agentToken(nodeA, 'https://kubernetes.default.svc'));
  const err = await renewer(nodeA + '-x', other)
    .ensure()
    .then(
      () => undefined,
      (e: Error) => e,
    );
  assert.match(err?.message ?? '', 'answered 401');
});

t('the CA rotates before it expires: the successor is trusted first, signs later, and the old CA stays trusted', async () => {
  const rotNs = await createNamespace(admin, 'ca-rotation');
  try {
    const ca = new CertificateAuthority({
      client: admin,
      namespace: rotNs,
      mode: 'managed',
      log,
      caLifetimeMs: 12_000,
      propagationMs: 1_500,
    });
    const count = (pem: string) => (pem.match(/BEGIN CERTIFICATE/g) ?? []).length;
    const leaf = () => new X509Certificate(ca.issue({ commonName: 'probe', publicKey: newKeyPair().publicKey }, 60_000).chain);
    await ca.sync();
    const original = new X509Certificate(ca.bundle());
    await waitFor(
      'a successor in the trust bundle',
      async () => {
        await ca.sync();
        return count(ca.bundle()) === 2;
      },
      12_000,
      250,
    );
    assert.ok(leaf().verify(original.publicKey), 'the successor does not sign before the bundle had time to spread');
    await waitFor(
      'the successor signs',
      async () => {
        await ca.sync();
        return !leaf().verify(original.publicKey);
      },
      5_000,
      250,
    );
    assert.is(count(ca.bundle()), 2, 'the old CA is still trusted');
    const published = await admin.request<{ data: Record<string, string> }>(
      'GET',
      `/api/v1/namespaces/${rotNs}/configmaps/${TRUST_BUNDLE_CONFIGMAP}`,
    );
    assert.is(published.data['ca.crt'], ca.bundle());
  } finally {
    await deleteNamespace(admin, rotNs);
  }
});

t('a missing or expiring certificate is replaced without a restart; clients see the new one', async () => {
  harness = await AgentHarness.start({ agents: 0 });
  // The test plays the operator with the operator's own (renewing) certificate.
  harness.clientTls = identity!.source;
  const agent = await harness.addAgent({
    loopsPerAgent: 0,
    nodeNames: [nodeA],
    bootstrap: { url: `https://127.0.0.1:${identity!.bootstrapPort}`, ca: bundleFile(), tokenFile, reloadMs: 300 },
  });
  const pid = agent.pid;
  const ca = await readFile(bundleFile());
  const first = await servedCertificate(agent.address, ca);
  assert.ok(uriNames(first.subjectaltname).includes(agentServerIdentity(nodeA)), JSON.stringify(first.subjectaltname));

  // Missing: the agent asks again and serves the new certificate; it kept serving meanwhile.
  await unlink(path.join(agent.tlsDir, 'tls.crt'));
  assert.is((await callAgent(agent.client, 'GetNodeInfo', {}, 5_000)).nodeName, nodeA);
  const second = await waitFor(
    'a new certificate after the file was deleted',
    async () => {
      const c = await servedCertificate(agent.address, ca);
      return c.serialNumber !== first.serialNumber ? c : undefined;
    },
    15_000,
    200,
  );

  // Expiring: past 2/3 of its life the agent renews on its own.
  const third = await waitFor(
    'a renewal before the certificate expires',
    async () => {
      const c = await servedCertificate(agent.address, ca);
      return c.serialNumber !== second.serialNumber ? c : undefined;
    },
    LIFETIME_MS,
    200,
  );
  // Renewed once it was due (2/3 of 15 s), not over and over.
  const kept = new Date(third.valid_from).getTime() - new Date(second.valid_from).getTime();
  assert.ok(kept >= LIFETIME_MS / 2 && kept <= LIFETIME_MS, `the certificate was replaced after ${kept} ms`);
  assert.is(agent.pid, pid, 'the agent was not restarted');
  assert.is((await callAgent(agent.client, 'GetNodeInfo', {}, 5_000)).nodeName, nodeA, 'still serving after two renewals');
});

t.run();
