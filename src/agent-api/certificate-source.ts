// Certificates that can change while a server or client runs. A CertificateSource is grpc-js's
// certificate provider: servers take the newest certificate for every new TLS handshake and
// channels build a secure context per connection, so a renewed certificate is used without a
// restart. `watchFiles` follows PEM files (a kubelet-mounted Secret, files an agent writes when it
// renews): a missing, half-written or mismatched set is ignored and the last good one stays.
import { readFile } from 'node:fs/promises';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { experimental } from '@grpc/grpc-js';

type Provider = experimental.CertificateProvider;
type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

export interface CertificateSet {
  /** PEM: CA certificates that sign the peers' certificates. */
  readonly ca: Buffer;
  /** PEM: the certificate (and any intermediates), leaf first. */
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface CertificateFiles {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** Checks that the set parses and that the key belongs to the certificate; returns the leaf. */
export function checkCertificateSet(set: CertificateSet): X509Certificate {
  const leaf = new X509Certificate(set.cert);
  new X509Certificate(set.ca);
  if (!leaf.checkPrivateKey(createPrivateKey(set.key))) throw new Error('the private key does not belong to the certificate');
  return leaf;
}

export class CertificateSource implements Provider {
  private latest: CertificateSet | undefined;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly changes = new Set<(leaf: X509Certificate) => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(initial?: CertificateSet) {
    if (initial) this.set(initial);
  }

  /** Reads `files` now (throws when they are not a valid set) and again every `intervalMs`. */
  static async watchFiles(files: CertificateFiles, intervalMs: number, onError: (err: Error) => void): Promise<CertificateSource> {
    const source = new CertificateSource(await readSet(files));
    source.timer = setInterval(() => {
      readSet(files)
        .then((set) => source.set(set))
        .catch((err: Error) =>
          onError(new Error(`certificate files ${files.cert}, ${files.key}, ${files.ca}: ${err.message}; keeping the last good ones`)),
        );
    }, intervalMs);
    source.timer.unref();
    return source;
  }

  /** The set in use. */
  current(): CertificateSet | undefined {
    return this.latest;
  }

  /** The certificate in use. */
  leaf(): X509Certificate | undefined {
    return this.latest && new X509Certificate(this.latest.cert);
  }

  /** Replaces the set (after checking it) when it differs from the current one; the same bytes are not parsed again. */
  set(next: CertificateSet): void {
    const now = this.latest;
    if (now?.ca.equals(next.ca) && now.cert.equals(next.cert) && now.key.equals(next.key)) return;
    const leaf = checkCertificateSet(next);
    this.latest = next;
    for (const l of this.caListeners) l({ caCertificate: next.ca });
    for (const l of this.identityListeners) l({ certificate: next.cert, privateKey: next.key });
    for (const l of this.changes) l(leaf);
  }

  /** Called with the new leaf after every change. */
  onChange(listener: (leaf: X509Certificate) => void): void {
    this.changes.add(listener);
  }

  close(): void {
    clearInterval(this.timer);
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    if (this.latest) process.nextTick(listener, { caCertificate: this.latest.ca });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    if (this.latest) process.nextTick(listener, { certificate: this.latest.cert, privateKey: this.latest.key });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }
}

async function readSet(files: CertificateFiles): Promise<CertificateSet> {
  const [ca, cert, key] = await Promise.all([readFile(files.ca), readFile(files.cert), readFile(files.key)]);
  return { ca, cert, key };
}
