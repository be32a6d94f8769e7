// One unary gRPC call as a promise with a deadline: how the operator calls agents and the tests call
// CSI services, with the request and response types read off the generated client.
import type * as grpc from '@grpc/grpc-js';

type Unary<Req, Res> = (argument: Req, callback: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;
export type RequestOf<F> = F extends Unary<infer Req, infer _Res> ? Req : never;
export type ResponseOf<F> = F extends Unary<infer _Req, infer Res> ? Res : never;

/** The unary methods of a generated client, by their service (capitalised) names. */
export type UnaryMethod<C> = { [M in keyof C & Capitalize<string>]: C[M] extends Unary<infer _Req, infer _Res> ? M : never }[keyof C &
  Capitalize<string>];

/** `callUnary(client, 'NodeGetInfo', {})`; rejects with the grpc ServiceError (CANCELLED once `signal` aborts). */
export function callUnary<C extends grpc.Client, M extends keyof C & Capitalize<string>>(
  client: C,
  method: M,
  request: RequestOf<C[M]>,
  deadlineMs = 30_000,
  signal?: AbortSignal,
): Promise<ResponseOf<C[M]>> {
  return new Promise((resolve, reject) => {
    const fn = client[method] as unknown as (
      req: unknown,
      opts: grpc.CallOptions,
      cb: grpc.requestCallback<ResponseOf<C[M]>>,
    ) => grpc.ClientUnaryCall;
    const cancel = () => call.cancel();
    const call = fn.call(client, request, { deadline: Date.now() + deadlineMs }, (err, res) => {
      signal?.removeEventListener('abort', cancel);
      if (err) reject(err);
      else resolve(res!);
    });
    if (signal?.aborted) call.cancel();
    else signal?.addEventListener('abort', cancel, { once: true });
  });
}
