// The agent's health. For the operator, the standard gRPC health service (grpc.health.v1.Health):
// SERVING for the whole server ("") and for stratum.agent.v1.Agent while the agent runs,
// NOT_SERVING once it shuts down. For the kubelet's liveness probe, plain-HTTP /healthz answering
// what CSI Probe answers: served here rather than by the livenessprobe sidecar, which would only
// relay Probe, at the cost of one more image and container on every node.
import * as grpc from '@grpc/grpc-js';
import { listenAddress, serveHttp, type HttpEndpoint } from '../common/http-endpoint.ts';
import { loadHealthProto } from '../agent-api/loader.ts';
import type { HealthHandlers } from '../agent-api/generated/grpc/health/v1/Health.ts';
import type { HealthCheckResponse } from '../agent-api/generated/grpc/health/v1/HealthCheckResponse.ts';

export const AGENT_SERVICE_NAME = 'stratum.agent.v1.Agent';

type Serving = 'SERVING' | 'NOT_SERVING';

export class HealthService {
  private status: Serving = 'SERVING';
  private readonly watchers = new Set<grpc.ServerWritableStream<unknown, HealthCheckResponse>>();

  register(server: grpc.Server): void {
    server.addService(loadHealthProto().grpc.health.v1.Health.service, this.handlers());
  }

  set(status: Serving): void {
    this.status = status;
    for (const w of this.watchers) w.write({ status });
  }

  /** Ends open Watch streams (on shutdown). */
  endWatches(): void {
    for (const w of this.watchers) w.end();
    this.watchers.clear();
  }

  private known(service: string): boolean {
    return service === '' || service === AGENT_SERVICE_NAME;
  }

  private handlers(): HealthHandlers {
    return {
      Check: (call, callback) => {
        if (!this.known(call.request.service))
          return callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
        callback(null, { status: this.status });
      },
      Watch: (call) => {
        if (!this.known(call.request.service)) {
          call.write({ status: 'SERVICE_UNKNOWN' });
          return;
        }
        const w = call as unknown as grpc.ServerWritableStream<unknown, HealthCheckResponse>;
        this.watchers.add(w);
        call.on('cancelled', () => this.watchers.delete(w));
        call.write({ status: this.status });
      },
    };
  }
}

/** Serves GET /healthz on `listen` (host:port; port 0 picks a free one): 200 while `ready`, else 503. */
export async function serveHealthz(listen: string, ready: () => boolean | Promise<boolean>): Promise<HttpEndpoint> {
  return serveHttp(
    listenAddress(listen, 'health'),
    (path) =>
      path === '/healthz'
        ? Promise.resolve(ready()).then((ok) => (ok ? { code: 200, body: 'ok\n' } : { code: 503, body: 'not ready\n' }))
        : undefined,
    { code: 404, body: 'not found: the agent serves GET /healthz\n' },
  );
}
