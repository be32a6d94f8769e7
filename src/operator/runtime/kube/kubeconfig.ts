// Reads the operator's way to the API server — a kubeconfig file or the pod's service account —
// without @kubernetes/client-node: importing that package costs about 87 MiB of memory and 0.6 s
// of start-up (it loads every generated API model), and the operator needs only a server, its
// TLS settings and a token, client certificate or password. Credentials this reader does not
// handle (exec plugins, auth providers, proxies, impersonation) go to client-node, loaded then.
import { readFileSync, statSync } from 'node:fs';
import type https from 'node:https';
import path from 'node:path';
import { parse } from 'yaml';

/** What KubeClient needs of a kubeconfig; client-node's KubeConfig has the same shape. */
export interface KubeCredentials {
  getCurrentCluster(): { readonly server: string } | null;
  /** Sets TLS material and auth on a request's options; called for every request. */
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

const CLUSTER_FIELDS = new Set([
  'server',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'disable-compression',
  'extensions',
]);
const USER_FIELDS = new Set([
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'token',
  'tokenFile',
  'username',
  'password',
  'extensions',
]);

type Fields = Record<string, unknown>;
interface Named {
  name?: string;
  cluster?: Fields;
  user?: Fields;
  context?: Fields;
}
interface KubeconfigFile {
  'current-context'?: string;
  clusters?: Named[];
  users?: Named[];
  contexts?: Named[];
}

/** A kubeconfig file's current context. Relative paths in it are relative to the file, as kubectl reads them. */
export function readKubeconfigFile(file: string): KubeCredentials {
  const where = `kubeconfig ${file}`;
  let doc: KubeconfigFile;
  try {
    doc = (parse(readFileSync(file, 'utf8')) ?? {}) as KubeconfigFile;
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
  const contextName = doc['current-context'];
  if (!contextName) throw new Error(`${where} has no current-context`);
  const context = entry(doc.contexts, contextName, 'context', where).context ?? {};
  const clusterName = String(context.cluster ?? '');
  const cluster = entry(doc.clusters, clusterName, 'cluster', `${where}, context ${contextName}`).cluster ?? {};
  const user = context.user ? (entry(doc.users, String(context.user), 'user', `${where}, context ${contextName}`).user ?? {}) : {};
  const server = typeof cluster.server === 'string' ? cluster.server : '';
  if (!server) throw new Error(`${where}: cluster ${clusterName} has no server`);
  const unhandled = [
    ...Object.keys(cluster).filter((k) => !CLUSTER_FIELDS.has(k)),
    ...Object.keys(user).filter((k) => !USER_FIELDS.has(k)),
  ];
  if (unhandled.length > 0) return new ClientNodeCredentials(server, file);

  const dir = path.dirname(path.resolve(file));
  const material = (dataKey: string, fileKey: string, fields: Fields): Buffer | undefined => {
    if (typeof fields[dataKey] === 'string') return Buffer.from(fields[dataKey], 'base64');
    if (typeof fields[fileKey] === 'string') return readMaterial(path.resolve(dir, fields[fileKey]), `${where}: ${fileKey}`);
    return undefined;
  };
  return new TlsCredentials({
    server,
    ca: material('certificate-authority-data', 'certificate-authority', cluster),
    cert: material('client-certificate-data', 'client-certificate', user),
    key: material('client-key-data', 'client-key', user),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    servername: typeof cluster['tls-server-name'] === 'string' ? cluster['tls-server-name'] : undefined,
    basic: typeof user.username === 'string' ? `${user.username}:${String(user.password ?? '')}` : undefined,
    token:
      typeof user.token === 'string'
        ? () => user.token as string
        : typeof user.tokenFile === 'string'
          ? tokenFile(path.resolve(dir, user.tokenFile))
          : undefined,
  });
}

/** A pod's service account: the API server's Service from the environment, its CA and a token the kubelet rotates. */
export function readServiceAccount(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): KubeCredentials {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) throw new Error('not in a pod: KUBERNETES_SERVICE_HOST is not set');
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  return new TlsCredentials({
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: readMaterial(path.join(dir, 'ca.crt'), 'service account CA'),
    insecure: false,
    token: tokenFile(path.join(dir, 'token')),
  });
}

function entry(list: Named[] | undefined, name: string, kind: string, where: string): Named {
  const found = (list ?? []).find((e) => e.name === name);
  if (!found) throw new Error(`${where} names ${kind} "${name}", which the file does not define`);
  return found;
}

function readMaterial(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`${what} ${file}: ${(err as Error).message}`);
  }
}

/** A token read again whenever its file changes: the kubelet replaces projected tokens before they expire. */
function tokenFile(file: string): () => string {
  let seen = '';
  let token = '';
  return () => {
    const st = statSync(file);
    const version = `${st.ino}:${st.mtimeMs}:${st.size}`;
    if (version !== seen) {
      token = readFileSync(file, 'utf8').trim();
      seen = version;
    }
    return token;
  };
}

interface TlsSettings {
  readonly server: string;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly insecure: boolean;
  readonly servername?: string;
  /** `user:password` for basic auth. */
  readonly basic?: string;
  readonly token?: () => string;
}

class TlsCredentials implements KubeCredentials {
  constructor(private readonly settings: TlsSettings) {}

  getCurrentCluster(): { server: string } {
    return { server: this.settings.server };
  }

  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    const s = this.settings;
    if (s.ca) opts.ca = s.ca;
    if (s.cert) opts.cert = s.cert;
    if (s.key) opts.key = s.key;
    if (s.insecure) opts.rejectUnauthorized = false;
    if (s.servername) opts.servername = s.servername;
    if (s.basic) opts.auth = s.basic;
    const token = s.token?.();
    if (token) opts.headers = { ...opts.headers, Authorization: `Bearer ${token}` };
  }
}

/** The whole kubeconfig read by client-node, imported on the first request. */
class ClientNodeCredentials implements KubeCredentials {
  private loaded: Promise<KubeCredentials> | undefined;

  constructor(
    private readonly server: string,
    private readonly file: string,
  ) {}

  getCurrentCluster(): { server: string } {
    return { server: this.server };
  }

  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    this.loaded ??= import('@kubernetes/client-node').then(({ KubeConfig }) => {
      const kc = new KubeConfig();
      kc.loadFromFile(this.file);
      return kc;
    });
    await (await this.loaded).applyToHTTPSOptions(opts);
  }
}
