// Clients of a CSI endpoint (unix socket, no TLS: the socket's file permissions are the access
// control), for tests, benchmarks and tools; `callCsi` makes one unary call a promise with a deadline.
import * as grpc from '@grpc/grpc-js';
import { loadCsiProto } from './api/loader.ts';
import type { IdentityClient } from './api/generated/csi/v1/Identity.ts';
import type { ControllerClient } from './api/generated/csi/v1/Controller.ts';
import type { NodeClient } from './api/generated/csi/v1/Node.ts';
import { socketPath } from './server.ts';

export interface CsiClients {
  readonly identity: IdentityClient;
  readonly controller: ControllerClient;
  readonly node: NodeClient;
  close(): void;
}

export function connectCsi(endpoint: string): CsiClients {
  const address = `unix://${socketPath(endpoint)}`;
  const { Identity, Controller, Node } = loadCsiProto().csi.v1;
  const creds = grpc.credentials.createInsecure();
  const identity = new Identity(address, creds);
  const controller = new Controller(address, creds);
  const node = new Node(address, creds);
  return {
    identity,
    controller,
    node,
    close: () =>
      [identity, controller, node].forEach((c) => {
        c.close();
      }),
  };
}

/** `callCsi(clients.node, 'NodeGetInfo', {})`: one unary call with a deadline, rejected with the ServiceError. */
export { callUnary as callCsi } from '../common/grpc-unary.ts';
