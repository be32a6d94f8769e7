// The endpoint where an agent gets its certificates. The agent has no Kubernetes credentials; it
// proves which node it runs on with its pod's projected ServiceAccount token (audience
// stratum.dev/agent). The operator checks the token with a TokenReview, takes the pod it is bound
// to from the review, reads that pod and issues certificates only for the node the pod is
// scheduled on. The agent sends public keys: its private keys never leave its node.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AGENT_CERTIFICATES_PATH, AGENT_POD_LABELS, AGENT_SERVICE_ACCOUNT, AGENT_TOKEN_AUDIENCE } from '../../common/constants.ts';
import type { Logger } from '../../common/log.ts';
import { agentPeerIdentity, agentServerIdentity } from '../../agent-api/identity.ts';
import type { CertificateSource } from '../../agent-api/certificate-source.ts';
import { isNotFound, resourcePath, type KubeClient, type KubeObject } from '../runtime/kube/client.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { publicKeyFrom, type CertificateAuthority } from './authority.ts';

const TOKEN_REVIEWS = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', plural: 'tokenreviews', namespaced: false } as const;
const PODS = { apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespaced: true } as const;
const POD_NAME = 'authentication.kubernetes.io/pod-name';
const POD_UID = 'authentication.kubernetes.io/pod-uid';
const MAX_BODY = 16 * 1024;

export interface AgentCertificateRequest {
  readonly node: string;
  /** PEM SPKI of the key the agent serves with. */
  readonly servingKey: string;
  /** PEM SPKI of the key the agent sends volume data to peers with. */
  readonly peerKey: string;
}

export interface AgentCertificateResponse {
  readonly servingCertificate: string;
  readonly peerCertificate: string;
  readonly ca: string;
}

export interface BootstrapOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly authority: CertificateAuthority;
  /** The operator's own certificate: the agents verify it names the operator. */
  readonly identity: CertificateSource;
  readonly host: string;
  readonly port: number;
  /** Lifetime of the agents' certificates. @default 7 days */
  readonly leafLifetimeMs?: number;
  /** Refusals about an agent pod become Warning Events on it (`kubectl describe pod`). */
  readonly events?: EventRecorder;
  readonly log: Logger;
}

class Refusal extends Error {
  /** The agent pod the refusal is about, when known: it gets a Warning Event. */
  constructor(
    readonly status: number,
    message: string,
    readonly pod?: BoundPod,
  ) {
    super(message);
  }
}

interface TokenReviewStatus {
  authenticated?: boolean;
  error?: string;
  audiences?: string[];
  user?: { username?: string; extra?: Record<string, string[]> };
}

interface BoundPod extends KubeObject {
  metadata: KubeObject['metadata'] & { name?: string; uid?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: { nodeName?: string; serviceAccountName?: string };
}

/** Checks the token and the pod it is bound to; returns the node it proves. */
export async function nodeOfToken(client: KubeClient, namespace: string, token: string): Promise<{ node: string; pod: BoundPod }> {
  const review = await client.request<{ status?: TokenReviewStatus }>('POST', resourcePath(TOKEN_REVIEWS), {
    body: { apiVersion: TOKEN_REVIEWS.apiVersion, kind: TOKEN_REVIEWS.kind, spec: { token, audiences: [AGENT_TOKEN_AUDIENCE] } },
  });
  const status = review.status ?? {};
  if (!status.authenticated)
    throw new Refusal(401, `the token was not accepted for audience ${AGENT_TOKEN_AUDIENCE}: ${status.error ?? 'not authenticated'}`);
  const account = `system:serviceaccount:${namespace}:${AGENT_SERVICE_ACCOUNT}`;
  if (status.user?.username !== account)
    throw new Refusal(403, `the token belongs to ${status.user?.username ?? 'nobody'}, not to ${account}`);
  const podName = status.user.extra?.[POD_NAME]?.[0];
  const podUid = status.user.extra?.[POD_UID]?.[0];
  if (!podName || !podUid) throw new Refusal(403, 'the token is not bound to a pod (use a projected ServiceAccount token volume)');
  const pod = await client.request<BoundPod>('GET', resourcePath(PODS, namespace, podName)).catch((err: unknown) => {
    if (isNotFound(err)) throw new Refusal(403, `pod ${namespace}/${podName}, which the token is bound to, does not exist`);
    throw err;
  });
  if (pod.metadata.uid !== podUid) throw new Refusal(403, `pod ${namespace}/${podName} was replaced since the token was issued`);
  if (pod.metadata.deletionTimestamp) throw new Refusal(403, `pod ${namespace}/${podName} is being deleted`);
  const labels = pod.metadata.labels ?? {};
  if (Object.entries(AGENT_POD_LABELS).some(([k, v]) => labels[k] !== v))
    throw new Refusal(403, `pod ${namespace}/${podName} is not an agent pod`);
  if (!pod.spec?.nodeName) throw new Refusal(403, `pod ${namespace}/${podName} is not scheduled to a node`, pod);
  return { node: pod.spec.nodeName, pod };
}

export interface BootstrapServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function serveBootstrap(opts: BootstrapOptions): Promise<BootstrapServer> {
  const { authority, identity, log } = opts;
  const server = https.createServer({}, (req, res) => void handle(req, res));
  // New connections take the newest certificate: a renewal needs no restart.
  const refresh = () => server.setSecureContext(secureOptions(identity));
  refresh();
  identity.onChange(refresh);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method !== 'POST' || req.url !== AGENT_CERTIFICATES_PATH)
        throw new Refusal(404, `POST ${AGENT_CERTIFICATES_PATH} is the only endpoint`);
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token) throw new Refusal(401, "a bearer token (the pod's projected ServiceAccount token) is required");
      const body = (await readJson(req)) as Partial<AgentCertificateRequest>;
      if (typeof body.node !== 'string' || !body.node) throw new Refusal(400, 'node is required');
      const { node, pod } = await nodeOfToken(opts.client, opts.namespace, token);
      const podName = pod.metadata.name;
      if (node !== body.node)
        throw new Refusal(
          403,
          `pod ${opts.namespace}/${podName} runs on node ${node}: it cannot have certificates for node ${body.node}`,
          pod,
        );
      let servingKey, peerKey;
      try {
        servingKey = publicKeyFrom(body.servingKey, 'servingKey');
        peerKey = publicKeyFrom(body.peerKey, 'peerKey');
      } catch (err) {
        throw new Refusal(400, (err as Error).message);
      }
      const lifetime = opts.leafLifetimeMs ?? 7 * 86_400_000;
      const serving = authority.issue(
        { commonName: node, publicKey: servingKey, uris: [agentServerIdentity(node)], usages: ['serverAuth'] },
        lifetime,
      );
      const peer = authority.issue(
        { commonName: node, publicKey: peerKey, uris: [agentPeerIdentity(node)], usages: ['clientAuth'] },
        lifetime,
      );
      log.info({ node, pod: podName, notAfter: serving.notAfter.toISOString() }, 'agent certificates issued');
      const reply: AgentCertificateResponse = { servingCertificate: serving.chain, peerCertificate: peer.chain, ca: authority.bundle() };
      answer(200, reply);
    } catch (err) {
      const status = err instanceof Refusal ? err.status : 500;
      log.warn({ status, err: (err as Error).message, remote: req.socket.remoteAddress }, 'agent certificate request refused');
      answer(status, { message: (err as Error).message });
      if (err instanceof Refusal && err.pod)
        await opts.events?.record(err.pod, { type: 'Warning', reason: 'CertificateRefused', message: err.message });
    }
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`cannot serve agent certificates on ${opts.host}:${opts.port}: ${err.message}`)));
    server.listen(opts.port, opts.host, () => resolve((server.address() as AddressInfo).port));
  });
  log.info({ address: `${opts.host}:${port}` }, 'serving agent certificates');
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function secureOptions(identity: CertificateSource) {
  const set = identity.current();
  if (!set) throw new Error('the operator has no certificate yet');
  return { cert: set.cert, key: set.key, ca: set.ca };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Refusal(413, `the request is larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString());
  } catch {
    throw new Refusal(400, 'the request body is not JSON');
  }
}
