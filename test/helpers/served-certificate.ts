// The certificate a TLS server presents to a new connection, for tests that watch a server pick
// up a renewed certificate without a restart.
import { connect, type PeerCertificate } from 'node:tls';

/** Connects to `address` (host:port), verifies the chain against `ca`, and returns the server's certificate. */
export function servedCertificate(
  address: string,
  ca: Buffer | string,
  client?: { cert: Buffer | string; key: Buffer | string },
  timeoutMs = 5_000,
): Promise<PeerCertificate> {
  const sep = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const socket = connect(
      {
        host: address.slice(0, sep),
        port: Number(address.slice(sep + 1)),
        ca,
        ...client,
        ALPNProtocols: ['h2'],
        servername: 'stratum',
        checkServerIdentity: () => undefined,
        timeout: timeoutMs,
      },
      () => {
        const cert = socket.getPeerCertificate();
        socket.destroy();
        resolve(cert);
      },
    );
    socket.once('timeout', () => socket.destroy(new Error(`${address}: no TLS handshake within ${timeoutMs} ms`)));
    socket.once('error', reject);
  });
}
