// Keeps this agent's two certificates (serving, and peer for sending volume data) valid on disk
// by asking the operator's certificate endpoint, with the pod's projected ServiceAccount token as
// proof of the node. New key pairs are made here for every renewal; only public keys travel. The
// files are what the server and the peer client watch (certificate-source.ts), so a renewal
// takes effect without a restart. Renewal starts at 2/3 of a certificate's life, and at once when
// a file is missing, unreadable, expired or names another node.
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { AGENT_CERTIFICATES_PATH } from '../../common/constants.ts';
import { writeFileAtomic } from '../../common/atomic-file.ts';
import type { Logger } from '../../common/log.ts';
import { checkCertificateSet } from '../../agent-api/certificate-source.ts';
import { agentPeerIdentity, agentServerIdentity, OPERATOR_IDENTITY, uriNames } from '../../agent-api/identity.ts';

export interface RenewalConfig {
  readonly node: string;
  /** Base URL of the operator's certificate endpoint, e.g. https://stratum-operator.stratum-system.svc:9444 */
  readonly url: string;
  /** The projected ServiceAccount token (re-read for every request: kubelet rotates it). */
  readonly tokenFile: string;
  /** Trust bundle that verifies the operator (and the peers). */
  readonly ca: string;
  readonly serving: { readonly cert: string; readonly key: string };
  readonly peer: { readonly cert: string; readonly key: string };
  /** How often the files are checked. */
  readonly intervalMs: number;
}

const REQUEST_TIMEOUT_MS = 15_000;

/** Why the certificate in `files` must be replaced now, or undefined when it is good for a while. */
export async function renewalReason(
  files: { cert: string; key: string },
  ca: string,
  identity: string,
  now = Date.now(),
): Promise<string | undefined> {
  let leaf: X509Certificate;
  try {
    const [cert, key, bundle] = await Promise.all([readFile(files.cert), readFile(files.key), readFile(ca)]);
    leaf = checkCertificateSet({ ca: bundle, cert, key });
  } catch (err) {
    return `${files.cert}: ${(err as Error).message}`;
  }
  if (!uriNames(leaf.subjectAltName).includes(identity)) return `${files.cert} does not name ${identity}`;
  const from = new Date(leaf.validFrom).getTime();
  const to = new Date(leaf.validTo).getTime();
  if (to <= now) return `${files.cert} expired at ${leaf.validTo}`;
  if (now >= from + ((to - from) * 2) / 3) return `${files.cert} is past 2/3 of its life (valid to ${leaf.validTo})`;
  return undefined;
}

export class CertificateRenewer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly config: RenewalConfig,
    private readonly log: Logger,
  ) {}

  /** Renews when needed; throws when a needed renewal failed. */
  async ensure(): Promise<void> {
    const { serving, peer, ca, node } = this.config;
    const why = (await renewalReason(serving, ca, agentServerIdentity(node))) ?? (await renewalReason(peer, ca, agentPeerIdentity(node)));
    if (!why) return;
    this.log.info({ reason: why }, 'requesting new certificates');
    await this.renew();
  }

  /** Checks every interval until stopped; a failure is logged and tried again at the next check. */
  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.ensure()
        .catch((err: Error) =>
          this.log.error({ err: err.message, url: this.config.url }, 'certificate renewal failed; the current certificates stay in use'),
        )
        .finally(() => (this.running = undefined));
    }, this.config.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async renew(): Promise<void> {
    const { serving, peer, node } = this.config;
    const servingKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const peerKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const spki = (k: typeof servingKeys) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const reply = await this.request({ node, servingKey: spki(servingKeys), peerKey: spki(peerKeys) });
    // Keys first: a watcher that reads a new key beside an old certificate sees a mismatch and
    // keeps the last good pair until the certificate lands too.
    const pkcs8 = (k: typeof servingKeys) => k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await writeFileAtomic(serving.key, pkcs8(servingKeys), { mode: 0o600 });
    await writeFileAtomic(serving.cert, reply.servingCertificate);
    await writeFileAtomic(peer.key, pkcs8(peerKeys), { mode: 0o600 });
    await writeFileAtomic(peer.cert, reply.peerCertificate);
    const leaf = new X509Certificate(reply.servingCertificate);
    this.log.info({ serial: leaf.serialNumber, validTo: leaf.validTo }, 'certificates renewed');
  }

  private async request(body: object): Promise<{ servingCertificate: string; peerCertificate: string }> {
    const [token, ca] = await Promise.all([readFile(this.config.tokenFile, 'utf8'), readFile(this.config.ca)]);
    const url = new URL(AGENT_CERTIFICATES_PATH, this.config.url);
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method: 'POST',
          ca,
          // The endpoint must be the operator's, whatever name or address reached it.
          checkServerIdentity: (_host, cert) =>
            uriNames(cert.subjectaltname).includes(OPERATOR_IDENTITY)
              ? undefined
              : new Error(`${url.host} did not present the operator's certificate (${OPERATOR_IDENTITY})`),
          headers: {
            authorization: `Bearer ${token.trim()}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: { message?: string; servingCertificate?: string; peerCertificate?: string } = {};
            try {
              parsed = JSON.parse(text) as typeof parsed;
            } catch {
              parsed = { message: text.slice(0, 200) };
            }
            if (res.statusCode !== 200 || !parsed.servingCertificate || !parsed.peerCertificate) {
              reject(new Error(`${url.href} answered ${res.statusCode}: ${parsed.message ?? 'no certificates'}`));
            } else resolve({ servingCertificate: parsed.servingCertificate, peerCertificate: parsed.peerCertificate });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${url.href}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', (err) => reject(new Error(`${url.href}: ${err.message}`)));
      req.end(payload);
    });
  }
}
