// A CSI gRPC server on a unix socket (what kubelet and the sidecars dial): parses the
// `unix:///path` endpoint, replaces a stale socket left by a crash, and wraps every handler so a
// thrown error becomes the status it names, with the method in the message and the log.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../common/log.ts';
import { unaryHandler, type Handler } from '../agent-api/handler.ts';
import { csiStatus } from './errors.ts';

/** `unix:///run/csi.sock` or `/run/csi.sock` → `/run/csi.sock`; anything else is refused. */
export function socketPath(endpoint: string): string {
  const p = endpoint.startsWith('unix://') ? endpoint.slice('unix://'.length) : endpoint;
  if (!p.startsWith('/') || p.includes('\0')) throw new Error(`CSI endpoint ${JSON.stringify(endpoint)} is not unix:///absolute/path`);
  return p;
}

export type CsiHandler<Req, Res> = Handler<Req, Res>;

/** A CSI unary handler: the shared adapter, with errors mapped through csiStatus. */
export function csiUnary<Req, Res>(log: Logger, method: string, fn: CsiHandler<Req, Res>): grpc.handleUnaryCall<Req, Res> {
  return unaryHandler({ method, where: method, log, toStatus: csiStatus }, fn);
}

export interface CsiServer {
  readonly socket: string;
  stop(graceMs?: number): Promise<void>;
}

export async function serveCsi(endpoint: string, register: (server: grpc.Server) => void, log: Logger): Promise<CsiServer> {
  const socket = socketPath(endpoint);
  await mkdir(path.dirname(socket), { recursive: true });
  // A socket file left by a killed process makes bind fail with EADDRINUSE.
  await rm(socket, { force: true });
  const server = new grpc.Server();
  register(server);
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(new Error(`cannot listen on ${endpoint}: ${err.message}`)) : resolve(),
    );
  });
  log.info({ endpoint }, 'CSI serving');
  return {
    socket,
    stop: async (graceMs = 5_000) => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await rm(socket, { force: true });
    },
  };
}
