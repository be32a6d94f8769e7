// Who is at the other end of a Stratum mTLS connection, read from the certificate's URI names.
// The operator has one identity; each agent has two, both naming its node: one it serves with,
// one it presents when it sends volume data to a peer. A certificate for one role never passes
// for another, so an agent's serving certificate cannot drive another agent.
import type { PeerCertificate } from 'node:tls';

export const OPERATOR_IDENTITY = 'stratum://operator';
const AGENT_PREFIX = 'stratum://agent/';
const PEER_PREFIX = 'stratum://peer/';

/** The URI an agent's serving certificate carries. */
export const agentServerIdentity = (node: string): string => `${AGENT_PREFIX}${node}`;
/** The URI an agent's client certificate (for copies to peers) carries. */
export const agentPeerIdentity = (node: string): string => `${PEER_PREFIX}${node}`;

export type Caller = { readonly role: 'operator' } | { readonly role: 'agent' | 'peer'; readonly node: string };

/** URI subject alternative names, from Node's `subjectaltname` string ("DNS:a, URI:stratum://…"). */
export function uriNames(subjectaltname: string | undefined): string[] {
  return (subjectaltname ?? '')
    .split(', ')
    .filter((n) => n.startsWith('URI:'))
    .map((n) => n.slice(4));
}

/** The Stratum identity a certificate proves, or undefined when it carries none. */
export function callerOf(cert: Pick<PeerCertificate, 'subjectaltname'> | undefined): Caller | undefined {
  for (const uri of uriNames(cert?.subjectaltname)) {
    if (uri === OPERATOR_IDENTITY) return { role: 'operator' };
    if (uri.startsWith(AGENT_PREFIX)) return { role: 'agent', node: uri.slice(AGENT_PREFIX.length) };
    if (uri.startsWith(PEER_PREFIX)) return { role: 'peer', node: uri.slice(PEER_PREFIX.length) };
  }
  return undefined;
}

export function describeCaller(caller: Caller | undefined): string {
  if (!caller) return 'a certificate without a Stratum identity';
  return caller.role === 'operator'
    ? `the operator (${OPERATOR_IDENTITY})`
    : `${caller.role === 'agent' ? agentServerIdentity(caller.node) : agentPeerIdentity(caller.node)}`;
}

/**
 * A TLS `checkServerIdentity` that accepts only the serving certificate of `node`'s agent,
 * whatever address was dialled (pod IPs change; the node name is what the operator knows).
 */
export function expectAgent(node: string): (host: string, cert: PeerCertificate) => Error | undefined {
  const want = agentServerIdentity(node);
  return (_host, cert) =>
    uriNames(cert.subjectaltname).includes(want)
      ? undefined
      : new Error(
          `the server's certificate does not name ${want} (it names ${uriNames(cert.subjectaltname).join(', ') || 'no Stratum identity'})`,
        );
}
