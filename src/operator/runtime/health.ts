// The operator's probe and metrics endpoint: /healthz (the process answers), /readyz (caches
// synced; a standby is as ready as the leader, so a rollout does not wait on the election) and
// /metrics (Prometheus text).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthServerOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port; the operator uses OPERATOR_METRICS_PORT. */
  readonly port: number;
  readonly registry: Registry;
  /** Ready when every check returns true, e.g. `() => informer.hasSynced()`. */
  readonly readyChecks: readonly (() => boolean)[];
}

export interface HealthServer {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const reply = (code: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, { 'Content-Type': type });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return reply(405, 'method not allowed\n');
    if (path === '/healthz') return reply(200, 'ok\n');
    if (path === '/readyz') return opts.readyChecks.every((check) => check()) ? reply(200, 'ok\n') : reply(503, 'caches not synced\n');
    if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => reply(200, text, opts.registry.contentType),
        (err: Error) => reply(500, `${err.message}\n`),
      );
      return;
    }
    reply(404, 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', resolve);
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
