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

type Unary<Req, Res> = (argument: Req, callback: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;
type RequestOf<F> = F extends Unary<infer Req, infer _Res> ? Req : never;
type ResponseOf<F> = F extends Unary<infer _Req, infer Res> ? Res : never;

/** `callCsi(clients.node, 'NodeGetInfo', {})`: one unary call with a deadline, rejected with the ServiceError. */
export function callCsi<C extends grpc.Client, M extends keyof C & Capitalize<string>>(
  client: C,
  method: M,
  request: RequestOf<C[M]>,
  deadlineMs = 30_000,
): Promise<ResponseOf<C[M]>> {
  return new Promise((resolve, reject) => {
    const fn = client[method] as unknown as (
      req: unknown,
      opts: grpc.CallOptions,
      cb: grpc.requestCallback<ResponseOf<C[M]>>,
    ) => grpc.ClientUnaryCall;
    fn.call(client, request, { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res!)));
  });
}
