// Starts the operator's CSI endpoint: Identity (Probe = the API server answers, since every call
// is served from it) and Controller.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../common/log.ts';
import { loadCsiProto } from '../../csi/api/loader.ts';
import { identityHandlers } from '../../csi/identity.ts';
import { serveCsi, type CsiServer } from '../../csi/server.ts';
import { resourcePath, type KubeClient } from '../runtime/kube/client.ts';
import { STORAGE_POOLS } from '../resources.ts';
import { controllerHandlers, type CsiControllerOptions } from './controller.ts';

export async function serveControllerCsi(
  endpoint: string,
  client: KubeClient,
  log: Logger,
  options: Partial<CsiControllerOptions> = {},
): Promise<CsiServer> {
  const csiLog = log.child({ service: 'csi-controller' });
  const { Identity, Controller } = loadCsiProto().csi.v1;
  const apiAnswers = () =>
    client.request('GET', resourcePath(STORAGE_POOLS), { query: { limit: 1 }, timeoutMs: 5_000 }).then(
      () => true,
      () => false,
    );
  return serveCsi(
    endpoint,
    (server) => {
      server.addService(Identity.service, identityHandlers({ log: csiLog, ready: apiAnswers }));
      // Methods left out (snapshots, publish, …) answer UNIMPLEMENTED.
      server.addService(Controller.service, controllerHandlers({ client, log: csiLog, ...options }) as grpc.UntypedServiceImplementation);
    },
    csiLog,
  );
}
