// Kubernetes access: which kubeconfig (explicit path, $KUBECONFIG, in-cluster) and one small
// JSON transport on top of it. Objects stay plain JSON (the typed client-node APIs turn
// timestamps into Dates for built-in kinds but not for CRDs); auth and TLS come from the
// kubeconfig (./kubeconfig.ts), so tokens, client certs and exec plugins all work. One
// keep-alive agent per client.
import https from 'node:https';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectMeta } from '../../../api/definition.ts';
import { type KubeCredentials, readKubeconfigFile, readServiceAccount, SERVICE_ACCOUNT_DIR } from './kubeconfig.ts';

export interface KubeConfigSource {
  /** Kubeconfig file. @default $KUBECONFIG, else the in-cluster service account */
  readonly kubeconfig?: string;
}

export type { KubeCredentials };

export function loadKubeConfig(src: KubeConfigSource = {}): KubeCredentials {
  const file = src.kubeconfig ?? process.env.KUBECONFIG;
  if (file) {
    if (!existsSync(file)) throw new Error(`kubeconfig ${file} does not exist`);
    return readKubeconfigFile(file);
  }
  if (process.env.KUBERNETES_SERVICE_HOST && existsSync(`${SERVICE_ACCOUNT_DIR}/token`)) return readServiceAccount();
  throw new Error('no kubeconfig: pass a path, set KUBECONFIG, or run in a pod with a service account');
}

/** A kind the operator reads or writes; enough to build its URLs without discovery. */
export interface ResourceType {
  /** `v1` or `group/version`. */
  readonly apiVersion: string;
  readonly kind: string;
  /** Lower-case plural used in URLs, e.g. `configmaps`. */
  readonly plural: string;
  readonly namespaced: boolean;
}

/** Object metadata as JSON carries it; one definition, shared with the Stratum API types. */
export type { ObjectMeta };

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

export interface KubeList<T> {
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export function resourcePath(rt: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  if (rt.namespaced && name !== undefined && !namespace) throw new Error(`${rt.kind} ${name} is namespaced: a namespace is required`);
  const root = rt.apiVersion.includes('/') ? `/apis/${rt.apiVersion}` : `/api/${rt.apiVersion}`;
  const ns = rt.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const obj = name !== undefined ? `/${encodeURIComponent(name)}` : '';
  return `${root}${ns}/${rt.plural}${obj}${subresource ? `/${subresource}` : ''}`;
}

/** A non-2xx answer from the API server, with the Status reason and what was asked. */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    readonly method: string,
    readonly path: string,
    message: string,
  ) {
    super(`${method} ${path}: ${statusCode} ${reason}${message ? `: ${message}` : ''}`);
    this.name = 'KubeApiError';
  }
}

/** The API server could not be asked or did not answer: no connection, a reset, a timeout. */
export class KubeTransportError extends Error {
  /** The socket's errno code (ECONNREFUSED, ECONNRESET…), or the abort's name on a timeout. */
  readonly code: string | undefined;

  constructor(
    readonly method: string,
    readonly path: string,
    cause: Error,
  ) {
    super(`${method} ${path}: ${cause.message}`, { cause });
    this.name = 'KubeTransportError';
    this.code = (cause as NodeJS.ErrnoException).code ?? cause.name;
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof KubeApiError && err.statusCode === 404;
export const isConflict = (err: unknown): boolean => err instanceof KubeApiError && err.statusCode === 409;
export const isGone = (err: unknown): boolean => err instanceof KubeApiError && err.statusCode === 410;

export type PatchType = 'merge' | 'json' | 'strategic';
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

export interface RequestOptions {
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly body?: unknown;
  readonly patchType?: PatchType;
  readonly signal?: AbortSignal;
  /** Abort the request after this long (watches pass 0: no limit). @default 30_000 */
  readonly timeoutMs?: number;
}

export class KubeClient {
  private agent: http.Agent | undefined;
  readonly server: URL;

  /**
   * `userAgent` names the client to the API server: in audit logs, in its request metrics, and as
   * the field manager in every object's managedFields (the part before the first `/`).
   */
  constructor(
    readonly kubeConfig: KubeCredentials,
    private readonly userAgent = 'stratum',
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  static fromConfig(src: KubeConfigSource = {}): KubeClient {
    return new KubeClient(loadKubeConfig(src));
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.sendWithRetryAfter(method, path, opts);
    const text = await readBody(res);
    if (res.statusCode! >= 300) throw apiError(res.statusCode!, text, method, path);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Lines of a streaming response (a watch), until the server closes it or `signal` aborts. */
  async *lines(path: string, opts: RequestOptions = {}): AsyncGenerator<string> {
    const res = await this.sendWithRetryAfter('GET', path, { ...opts, timeoutMs: opts.timeoutMs ?? 0 });
    if (res.statusCode! >= 300) throw apiError(res.statusCode!, await readBody(res), 'GET', path);
    const rl = createInterface({ input: res, crlfDelay: Infinity });
    try {
      for await (const line of rl) if (line) yield line;
    } finally {
      rl.close();
      res.destroy();
    }
  }

  /** Closes idle keep-alive sockets (tests, shutdown). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  /**
   * Sends, and sends again while the API server answers "not now" with a Retry-After header: a 429
   * from priority and fairness or from storage still initialising after a restart, a 5xx while it
   * starts. Such a request was not carried out, so repeating it is safe for every method (as
   * client-go does); bounded in tries and in each wait.
   */
  private async sendWithRetryAfter(method: string, path: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.send(method, path, opts);
      const waitMs = retryAfterMs(res);
      if (waitMs === undefined || attempt >= RETRY_AFTER_ATTEMPTS) return res;
      res.resume();
      // An abort during the wait ends the loop: the next send rejects at once with it.
      await sleep(waitMs, undefined, { signal: opts.signal }).catch(() => undefined);
    }
  }

  private async send(method: string, path: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    // Per request: picks up rotated service-account tokens and refreshed exec credentials.
    const auth: https.RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(auth);
    const secure = this.server.protocol === 'https:';
    this.agent ??= secure
      ? new https.Agent({
          keepAlive: true,
          ca: auth.ca,
          cert: auth.cert,
          key: auth.key,
          rejectUnauthorized: auth.rejectUnauthorized,
          servername: auth.servername,
        })
      : new http.Agent({ keepAlive: true });
    const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const body = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': this.userAgent };
    for (const [k, v] of Object.entries(auth.headers ?? {})) if (v !== undefined) headers[k] = String(v);
    if (body) {
      headers['Content-Type'] = opts.patchType ? PATCH_CONTENT_TYPES[opts.patchType] : 'application/json';
      headers['Content-Length'] = String(body.length);
    }
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const signal = timeoutMs > 0 ? anySignal(opts.signal, AbortSignal.timeout(timeoutMs)) : opts.signal;
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(url, { method, headers, agent: this.agent, auth: auth.auth, signal }, resolve);
      req.on('error', (err) => reject(new KubeTransportError(method, path, err)));
      req.end(body);
    });
  }
}

/** How often one request is sent while the answer says to retry later (client-go uses 10 too). */
export const RETRY_AFTER_ATTEMPTS = 10;
const RETRY_AFTER_MAX_MS = 10_000;

/** The wait a retryable answer asks for, or undefined when the answer stands. */
function retryAfterMs(res: http.IncomingMessage): number | undefined {
  const status = res.statusCode!;
  const header = res.headers['retry-after'];
  if ((status !== 429 && status < 500) || header === undefined) return undefined;
  const seconds = Number(header);
  if (!Number.isFinite(seconds) || seconds < 0) return undefined;
  return Math.min(seconds * 1000, RETRY_AFTER_MAX_MS);
}

function anySignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a ? AbortSignal.any([a, b]) : b;
}

async function readBody(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function apiError(statusCode: number, text: string, method: string, path: string): KubeApiError {
  let reason = http.STATUS_CODES[statusCode] ?? 'Error';
  let message = text.slice(0, 500);
  try {
    const status = JSON.parse(text) as { reason?: string; message?: string };
    reason = status.reason ?? reason;
    message = status.message ?? message;
  } catch {
    // Not a Status object (proxy error page): keep the raw text.
  }
  return new KubeApiError(statusCode, reason, method, path, message);
}
