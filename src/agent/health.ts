// The standard gRPC health service (grpc.health.v1.Health) for the agent: SERVING for the whole
// server ("") and for stratum.agent.v1.Agent while the agent runs, NOT_SERVING once it shuts down.
import * as grpc from '@grpc/grpc-js';
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
