// The operator's probe and metrics endpoint: /healthz (the process answers), /readyz (caches
// synced; a standby is as ready as the leader, so a rollout does not wait on the election) and
// /metrics (Prometheus text).
import type { Registry } from 'prom-client';
import { metricsReply, serveHttp, type HttpEndpoint } from '../../common/http-endpoint.ts';

export interface HealthServerOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port; the operator uses OPERATOR_METRICS_PORT. */
  readonly port: number;
  readonly registry: Registry;
  /** Ready when every check returns true, e.g. `() => informer.hasSynced()`. */
  readonly readyChecks: readonly (() => boolean)[];
}

export async function startHealthServer(opts: HealthServerOptions): Promise<HttpEndpoint> {
  const ok = { code: 200, body: 'ok\n' };
  return serveHttp(
    { host: opts.host ?? '127.0.0.1', port: opts.port, what: 'health and metrics' },
    (path) => {
      if (path === '/healthz') return ok;
      if (path === '/readyz') return opts.readyChecks.every((check) => check()) ? ok : { code: 503, body: 'caches not synced\n' };
      if (path === '/metrics') return metricsReply(opts.registry);
      return undefined;
    },
    { code: 404, body: 'not found\n' },
  );
}
