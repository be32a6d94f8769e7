// Bounded polling for a server to become ready, failing early (with its log's tail) when the
// process has already ended.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagedProcess } from './managed-process.ts';

export interface TlsClient {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Accept any serving certificate: only for health probes of loopback servers that self-sign. */
  readonly insecure?: boolean;
}

/** GET `url` once; true on a 200 answer whose body is `expectBody` (when given). Never throws. */
export function probe(url: string, tls?: TlsClient, expectBody?: RegExp): Promise<boolean> {
  return new Promise((resolve) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const { insecure, ...certs } = tls ?? {};
    const req = request(url, { timeout: 2_000, ...certs, rejectUnauthorized: !insecure }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve(res.statusCode === 200 && (!expectBody || expectBody.test(body))));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Polls `check` every `intervalMs` until it is true; throws after `timeoutMs` or when `proc` exits. */
export async function waitUntilReady(
  proc: ManagedProcess,
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitReason !== undefined) throw startupError(proc, `${proc.exitReason} before ${what}`);
    if (await check()) return;
    if (Date.now() >= deadline) throw startupError(proc, `not ${what} within ${timeoutMs / 1000} s`);
    await sleep(intervalMs);
  }
}

export function startupError(proc: ManagedProcess, problem: string): Error {
  return new Error(`${proc.name}: ${problem}; last lines of ${proc.logFile}:\n${proc.tail()}`);
}
