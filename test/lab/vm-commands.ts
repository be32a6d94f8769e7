// Client of the VM's command server (guest/command-server.mjs), reached through a loopback port
// forward: run a shell script in the VM and get its exit code and output, or open a stream to a
// unix socket inside the VM (the CSI node socket) as a unix socket on the host.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { rm } from 'node:fs/promises';

export interface VmResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

function request(port: number, line: object): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.write(`${JSON.stringify(line)}\n`);
  return socket;
}

/** Runs `script` with /bin/sh in the VM; rejects only when the VM cannot be reached or answers nothing. */
export function runInVm(port: number, script: string, timeoutMs: number): Promise<VmResult> {
  return new Promise((resolve, reject) => {
    const socket = request(port, { script, timeoutMs });
    let answer = '';
    // The server kills the script at timeoutMs; this bound covers a VM that stopped answering.
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs + 10_000} ms`)), timeoutMs + 10_000);
    socket.setEncoding('utf8');
    socket.on('data', (s: string) => {
      answer += s;
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(answer) as VmResult);
      } catch {
        reject(new Error(`the command server closed the connection without an answer (got ${JSON.stringify(answer.slice(0, 200))})`));
      }
    });
  });
}

/** Waits (bounded) until the command server answers a trivial command. */
export async function waitForCommandServer(port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!alive()) throw new Error('the VM exited before its command server answered');
    const res = await runInVm(port, 'true', 5_000).catch((err: Error) => err);
    if (!(res instanceof Error) && res.code === 0) return;
    last = res instanceof Error ? res.message : `exit ${res.code}: ${res.stderr}`;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the VM's command server did not answer within ${timeoutMs} ms (last: ${last})`);
}

/**
 * A unix socket at `hostPath` whose connections are piped to the unix socket `guestPath` in the
 * VM, through the command server. Close the returned server to stop.
 */
export async function forwardUnixSocket(port: number, guestPath: string, hostPath: string): Promise<Server> {
  await rm(hostPath, { force: true });
  const server = createServer((inbound) => {
    const outbound = request(port, { connect: guestPath });
    inbound.pipe(outbound).pipe(inbound);
    const close = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', close);
    outbound.on('error', close);
    inbound.on('close', close);
    outbound.on('close', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(hostPath, () => resolve());
  });
  return server;
}
