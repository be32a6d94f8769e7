// The operator's own certificate and, when it issues the agents' certificates, its CA and the
// agents' certificate endpoint. Three ways to run:
// - managed: the operator keeps the CA (authority.ts) and issues itself a certificate in memory;
// - external: cert-manager keeps the CA Secret and the operator's certificate (mounted files);
// - files: certificates come from files only and no agent is issued anything (tests, own PKI).
// Whatever the way, the result is one CertificateSource that new connections read, so a renewed
// certificate or a rotated CA is used without a restart.
import { X509Certificate } from 'node:crypto';
import { OPERATOR_IDENTITY } from '../../agent-api/identity.ts';
import { CertificateSource, type CertificateFiles } from '../../agent-api/certificate-source.ts';
import { OPERATOR_NAME } from '../../common/constants.ts';
import type { Logger } from '../../common/log.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import { CertificateAuthority } from './authority.ts';
import { serveBootstrap, type BootstrapServer } from './bootstrap.ts';
import { newKeyPair } from './x509.ts';
import { EventRecorder } from '../runtime/events.ts';

export type CertificateMode = 'managed' | 'external' | 'files';
export const CERTIFICATE_MODES: readonly CertificateMode[] = ['managed', 'external', 'files'];

export interface OperatorIdentityOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly mode: CertificateMode;
  /** The operator's certificate files (external and files modes). */
  readonly files?: CertificateFiles;
  /** Where the agents' certificate endpoint listens (managed and external modes). */
  readonly bootstrap: { readonly host: string; readonly port: number };
  /** Lifetime of the certificates the operator issues (its own and the agents'). @default 7 days */
  readonly leafLifetimeMs?: number;
  /** Reported as the Events' reportingInstance. @default the host name */
  readonly instance?: string;
  /** Re-read files and the CA Secret this often. @default 30_000 */
  readonly refreshMs?: number;
  readonly log: Logger;
}

export interface OperatorIdentity {
  readonly source: CertificateSource;
  /** Port of the agents' certificate endpoint, when served. */
  readonly bootstrapPort?: number;
  stop(): Promise<void>;
}

const STARTUP_RETRY_MS = 2_000;
const STARTUP_BOUND_MS = 120_000;

export async function startOperatorIdentity(opts: OperatorIdentityOptions): Promise<OperatorIdentity> {
  const log = opts.log.child({ component: 'certificates' });
  const refreshMs = opts.refreshMs ?? 30_000;
  const lifetime = opts.leafLifetimeMs ?? 7 * 86_400_000;
  const needFiles = () => {
    if (!opts.files) throw new Error(`certificates ${opts.mode} needs the operator's certificate files (--tls-dir)`);
    return opts.files;
  };
  if (opts.mode === 'files') {
    const source = await CertificateSource.watchFiles(needFiles(), refreshMs, (err) =>
      log.warn({ err: err.message }, 'certificate files unusable'),
    );
    return { source, stop: async () => source.close() };
  }

  const authority = new CertificateAuthority({ client: opts.client, namespace: opts.namespace, mode: opts.mode, log });
  await untilLoaded(() => authority.sync(), log);
  let source: CertificateSource;
  // Only a managed operator issues its own certificate; with files, the watcher follows them.
  let renewOwn: () => void = () => undefined;
  if (opts.mode === 'external') {
    source = await CertificateSource.watchFiles(needFiles(), refreshMs, (err) =>
      log.warn({ err: err.message }, 'certificate files unusable'),
    );
  } else {
    const issueOwn = () => {
      const keys = newKeyPair();
      const own = authority.issue(
        { commonName: OPERATOR_NAME, publicKey: keys.publicKey, uris: [OPERATOR_IDENTITY], usages: ['serverAuth', 'clientAuth'] },
        lifetime,
      );
      return {
        ca: Buffer.from(authority.bundle()),
        cert: Buffer.from(own.chain),
        key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as Buffer,
      };
    };
    source = new CertificateSource(issueOwn());
    renewOwn = () => {
      const now = source.current()!;
      const leaf = new X509Certificate(now.cert);
      const from = new Date(leaf.validFrom).getTime();
      const to = new Date(leaf.validTo).getTime();
      const trustChanged = now.ca.toString() !== authority.bundle();
      const signerChanged = !authority.signed(leaf);
      if (trustChanged || signerChanged || Date.now() >= from + ((to - from) * 2) / 3) {
        source.set(issueOwn());
        log.info(
          { reason: trustChanged ? 'trust bundle changed' : signerChanged ? 'a new CA signs' : 'past 2/3 of its life' },
          'operator certificate renewed',
        );
      }
    };
  }
  source.onChange((leaf) => log.info({ serial: leaf.serialNumber, validTo: leaf.validTo }, 'operator certificate in use'));

  let bootstrap: BootstrapServer;
  try {
    const events = new EventRecorder(opts.client, { component: OPERATOR_NAME, instance: opts.instance, log });
    bootstrap = await serveBootstrap({
      client: opts.client,
      namespace: opts.namespace,
      authority,
      identity: source,
      host: opts.bootstrap.host,
      port: opts.bootstrap.port,
      leafLifetimeMs: lifetime,
      events,
      log,
    });
  } catch (err) {
    source.close();
    throw err;
  }
  let syncing: Promise<void> | undefined;
  const timer = setInterval(() => {
    syncing ??= authority
      .sync()
      .then(renewOwn)
      .catch((err: Error) => log.error({ err: err.message }, 'certificate authority sync failed; current certificates stay in use'))
      .finally(() => (syncing = undefined));
  }, refreshMs);
  return {
    source,
    bootstrapPort: bootstrap.port,
    stop: async () => {
      clearInterval(timer);
      await syncing;
      await bootstrap.close();
      source.close();
    },
  };
}

async function untilLoaded(load: () => Promise<void>, log: Logger): Promise<void> {
  const until = Date.now() + STARTUP_BOUND_MS;
  for (;;) {
    try {
      return await load();
    } catch (err) {
      if (Date.now() > until)
        throw new Error(`no certificate authority after ${STARTUP_BOUND_MS / 1000} s: ${(err as Error).message}`, { cause: err });
      log.warn({ err: (err as Error).message, retryMs: STARTUP_RETRY_MS }, 'certificate authority not ready');
      await new Promise((r) => setTimeout(r, STARTUP_RETRY_MS));
    }
  }
}
