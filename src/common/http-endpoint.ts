// The small plain-HTTP endpoints both processes serve (the agent's /metrics, the operator's probes
// and /metrics): routing is theirs, listening, the metrics reply and closing are shared.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HttpEndpoint {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/** A route's answer: status, body and (default plain text) content type; a promise for slow ones. */
export interface Reply {
  readonly code: number;
  readonly body: string;
  readonly type?: string;
}

const TEXT = 'text/plain; charset=utf-8';

/** `host:port` (an IPv6 host in brackets; no host: every address) as `serveHttp` listens on it. */
export function listenAddress(listen: string, what: string): { host: string; port: number; what: string } {
  const sep = listen.lastIndexOf(':');
  return { host: listen.slice(0, sep).replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(listen.slice(sep + 1)), what };
}

/** Serves GET routes by path (query ignored); anything else gets `fallback`. Port 0 picks a free one. */
export async function serveHttp(
  listen: { readonly host: string; readonly port: number; readonly what: string },
  route: (path: string) => Reply | Promise<Reply> | undefined,
  fallback: Reply,
): Promise<HttpEndpoint> {
  const server = http.createServer((req, res) => {
    const send = (r: Reply) => res.writeHead(r.code, { 'Content-Type': r.type ?? TEXT }).end(r.body);
    const answer = req.method === 'GET' ? route((req.url ?? '/').split('?')[0]!) : { code: 405, body: 'method not allowed\n' };
    Promise.resolve(answer ?? fallback).then(send, (err: Error) => send({ code: 500, body: `${err.message}\n` }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`cannot serve ${listen.what} on ${listen.host}:${listen.port}: ${err.message}`)));
    server.listen(listen.port, listen.host, resolve);
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

/** The Prometheus text of `registry`. */
export async function metricsReply(registry: Registry): Promise<Reply> {
  return { code: 200, body: await registry.metrics(), type: registry.contentType };
}
