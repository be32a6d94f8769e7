// The CA behind every Stratum certificate, kept in the Secret `stratum-ca` of the install
// namespace, and its public trust bundle in the ConfigMap `stratum-ca-bundle` that agent pods
// mount. `managed`: the operator creates the CA, and rotates it before it expires — a successor
// joins the bundle first, signs only once the bundle had time to reach every pod, and the old CA
// stays trusted until it expires. `external`: cert-manager keeps the Secret (a CA certificate
// from the user's issuer); the operator only reads it. Every replica may run this: writes carry
// the resourceVersion they read, so two replicas never both win.
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { CA_SECRET, TRUST_BUNDLE_CONFIGMAP } from '../../common/constants.ts';
import type { Logger } from '../../common/log.ts';
import { isConflict, isNotFound, resourcePath, type KubeClient, type KubeObject } from '../runtime/kube/client.ts';
import { issueCertificate, newKeyPair, toPem, type CertificateRequest, type Issuer } from './x509.ts';

const SECRETS = { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true } as const;
const CONFIGMAPS = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true } as const;

interface SecretObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

export type AuthorityMode = 'managed' | 'external';

export interface AuthorityOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly mode: AuthorityMode;
  readonly log: Logger;
  /** Lifetime of a managed CA. @default 365 days */
  readonly caLifetimeMs?: number;
  /** How long a successor CA is only trusted before it signs (kubelet refreshes mounted ConfigMaps within about a minute). @default 1 hour */
  readonly propagationMs?: number;
}

/** A certificate chain (leaf first) and the bundle that verifies it. */
export interface IssuedCertificate {
  readonly chain: string;
  readonly notAfter: Date;
}

const DAY = 86_400_000;
/** Certificates are valid from a little before now: clocks of the nodes differ. */
const BACKDATE_MS = 5 * 60_000;
/** At most a tenth of the lifetime, so "renew at 2/3 of its life" still means that for short ones. */
const backdateFor = (lifetimeMs: number) => Math.min(BACKDATE_MS, lifetimeMs / 10);

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString() : '');

function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g)?.map((b) => (b.endsWith('\n') ? b : `${b}\n`)) ?? [];
}

interface Signer {
  readonly cert: X509Certificate;
  readonly pem: string;
  readonly issuer: Issuer;
}

function signerOf(certPem: string, keyPem: string): Signer {
  const cert = new X509Certificate(certPem);
  const privateKey: KeyObject = createPrivateKey(keyPem);
  return { cert, pem: pemBlocks(certPem)[0]!, issuer: { commonName: commonNameOf(cert), publicKey: cert.publicKey, privateKey } };
}

function commonNameOf(cert: X509Certificate): string {
  return /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1] ?? '';
}

export class CertificateAuthority {
  private signer: Signer | undefined;
  private trust = '';

  constructor(private readonly opts: AuthorityOptions) {}

  /** The trust bundle (PEM): every CA whose certificates are valid now. */
  bundle(): string {
    if (!this.trust) throw new Error(`the CA in Secret ${this.opts.namespace}/${CA_SECRET} is not loaded yet`);
    return this.trust;
  }

  /** Whether the CA that signs now issued `cert`. */
  signed(cert: X509Certificate): boolean {
    return Boolean(this.signer && cert.checkIssued(this.signer.cert) && cert.verify(this.signer.cert.publicKey));
  }

  /** Issues a leaf for `req` (without validity: the authority sets it) valid for `lifetimeMs`, capped at the CA's own end. */
  issue(req: Omit<CertificateRequest, 'notBefore' | 'notAfter' | 'ca'>, lifetimeMs: number): IssuedCertificate {
    const signer = this.signer;
    if (!signer) throw new Error(`the CA in Secret ${this.opts.namespace}/${CA_SECRET} is not loaded yet`);
    const caEnd = new Date(signer.cert.validTo).getTime();
    const notAfter = new Date(Math.min(Date.now() + lifetimeMs, caEnd));
    const notBefore = new Date(Date.now() - backdateFor(lifetimeMs));
    const leaf = toPem(issueCertificate({ ...req, notBefore, notAfter }, signer.issuer));
    // An intermediate (cert-manager's CA certificate) travels with the leaf; a self-signed root does not.
    const intermediate = signer.cert.subject === signer.cert.issuer ? '' : signer.pem;
    return { chain: leaf + intermediate, notAfter };
  }

  /** Reads the CA Secret (creating or rotating it when managed) and publishes the trust bundle. */
  async sync(): Promise<void> {
    const { client, namespace, mode } = this.opts;
    const path = resourcePath(SECRETS, namespace, CA_SECRET);
    let secret = await client.request<SecretObject>('GET', path).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (mode === 'managed') secret = await this.rotate(secret);
    if (!secret?.data?.['tls.crt'] || !secret.data['tls.key']) {
      const hint = mode === 'external' ? ` (cert-manager issues it: see \`kubectl describe certificate -n ${namespace} stratum-ca\`)` : '';
      throw new Error(`Secret ${namespace}/${CA_SECRET} has no tls.crt and tls.key yet${hint}`);
    }
    const signer = signerOf(unb64(secret.data['tls.crt']), unb64(secret.data['tls.key']));
    const trust = unb64(secret.data['ca.crt']) || signer.pem;
    const changed = this.signer?.pem !== signer.pem || this.trust !== trust;
    this.signer = signer;
    this.trust = trust;
    if (changed)
      this.opts.log.info(
        { ca: commonNameOf(signer.cert), validTo: signer.cert.validTo, trusted: pemBlocks(trust).length },
        'certificate authority loaded',
      );
    await this.publish(trust);
  }

  /** Creates the CA when missing; adds a successor at 2/3 of its life; promotes the successor once trusted long enough. */
  private async rotate(secret: SecretObject | undefined): Promise<SecretObject> {
    const { client, namespace } = this.opts;
    const lifetime = this.opts.caLifetimeMs ?? 365 * DAY;
    const backdate = backdateFor(lifetime);
    const now = Date.now();
    const data = { ...(secret?.data ?? {}) };
    let why: string | undefined;
    const current = data['tls.crt'] ? new X509Certificate(unb64(data['tls.crt'])) : undefined;
    const next = data['next.crt'] ? new X509Certificate(unb64(data['next.crt'])) : undefined;
    if (!current || new Date(current.validTo).getTime() <= now) {
      const ca = newCa(now, lifetime);
      Object.assign(data, { 'tls.crt': b64(ca.cert), 'tls.key': b64(ca.key), 'ca.crt': b64(ca.cert) });
      delete data['next.crt'];
      delete data['next.key'];
      why = current ? 'the CA expired' : 'no CA yet';
    } else if (next && now - new Date(next.validFrom).getTime() >= (this.opts.propagationMs ?? 3_600_000) + backdate) {
      Object.assign(data, { 'tls.crt': data['next.crt'], 'tls.key': data['next.key'] });
      delete data['next.crt'];
      delete data['next.key'];
      data['ca.crt'] = b64(
        pemBlocks(unb64(data['ca.crt']))
          .filter((p) => new Date(new X509Certificate(p).validTo).getTime() > now)
          .join(''),
      );
      why = 'the successor CA is trusted everywhere: it signs from now on';
    } else if (
      !next &&
      now - new Date(current.validFrom).getTime() >=
        backdate + (new Date(current.validTo).getTime() - new Date(current.validFrom).getTime() - backdate) * (2 / 3)
    ) {
      const ca = newCa(now, lifetime);
      Object.assign(data, { 'next.crt': b64(ca.cert), 'next.key': b64(ca.key), 'ca.crt': b64(unb64(data['ca.crt']) + ca.cert) });
      why = 'the CA is past 2/3 of its life: a successor joins the trust bundle';
    }
    if (!why) return secret!;
    this.opts.log.info({ secret: `${namespace}/${CA_SECRET}`, reason: why }, 'rotating the certificate authority');
    const body = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: CA_SECRET, namespace, ...(secret ? { resourceVersion: secret.metadata.resourceVersion } : {}) },
      data,
    };
    try {
      return secret
        ? await client.request<SecretObject>('PUT', resourcePath(SECRETS, namespace, CA_SECRET), { body })
        : await client.request<SecretObject>('POST', resourcePath(SECRETS, namespace), { body });
    } catch (err) {
      // Another replica wrote first: take what it wrote.
      if (isConflict(err)) return client.request<SecretObject>('GET', resourcePath(SECRETS, namespace, CA_SECRET));
      throw err;
    }
  }

  private async publish(trust: string): Promise<void> {
    const { client, namespace } = this.opts;
    const path = resourcePath(CONFIGMAPS, namespace, TRUST_BUNDLE_CONFIGMAP);
    const existing = await client.request<KubeObject & { data?: Record<string, string> }>('GET', path).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (existing?.data?.['ca.crt'] === trust) return;
    const body = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: TRUST_BUNDLE_CONFIGMAP, namespace, ...(existing ? { resourceVersion: existing.metadata.resourceVersion } : {}) },
      data: { 'ca.crt': trust },
    };
    try {
      if (existing) await client.request('PUT', path, { body });
      else await client.request('POST', resourcePath(CONFIGMAPS, namespace), { body });
      this.opts.log.info(
        { configMap: `${namespace}/${TRUST_BUNDLE_CONFIGMAP}`, certificates: pemBlocks(trust).length },
        'trust bundle published',
      );
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

function newCa(now: number, lifetimeMs: number): { cert: string; key: string } {
  const keys = newKeyPair();
  const commonName = `stratum-ca-${new Date(now).toISOString().replace(/[-:.]/g, '').slice(0, 15)}`;
  const der = issueCertificate(
    {
      commonName,
      publicKey: keys.publicKey,
      notBefore: new Date(now - backdateFor(lifetimeMs)),
      notAfter: new Date(now + lifetimeMs),
      ca: true,
    },
    { commonName, ...keys },
  );
  return { cert: toPem(der), key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** The public key of a PEM SPKI, with a message that names what was sent. */
export function publicKeyFrom(pem: unknown, what: string): KeyObject {
  if (typeof pem !== 'string' || pem.length > 4096) throw new Error(`${what}: a PEM public key is required`);
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ec' && key.asymmetricKeyType !== 'rsa') throw new Error(`unsupported key type ${key.asymmetricKeyType}`);
    return key;
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`);
  }
}
