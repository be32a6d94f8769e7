// Who may call this agent. The operator may call every method; another node's agent, with its
// peer certificate, may call ReceiveVolume only (which then checks the operator's copy order);
// nobody else — in particular no agent's serving certificate — may call anything.
import * as grpc from '@grpc/grpc-js';
import type { AgentContext } from './context.ts';
import { callerOf, describeCaller, OPERATOR_IDENTITY, type Caller } from '../agent-api/identity.ts';

/** Methods a peer agent may call; each checks the operator's order itself. */
const PEER_METHODS = new Set(['ReceiveVolume']);

interface AuthCall {
  getAuthContext?(): { sslPeerCertificate?: { subjectaltname?: string } } | null;
  emit(event: 'error', e: unknown): void;
}

/** The verified identity of a call's client certificate. */
export function callerOfCall(call: unknown): Caller | undefined {
  return callerOf((call as AuthCall).getAuthContext?.()?.sslPeerCertificate);
}

/** Refusal message, or undefined when `caller` may call `method`. */
export function refusal(node: string, method: string, caller: Caller | undefined): string | undefined {
  if (caller?.role === 'operator') return undefined;
  if (caller?.role === 'peer' && PEER_METHODS.has(method)) return undefined;
  return `${node}: ${method} refused: the client certificate names ${describeCaller(caller)}; only the operator (${OPERATOR_IDENTITY}) may call it${PEER_METHODS.has(method) ? ', or a peer agent named in its copy order' : ''}`;
}

/** Wraps a grpc-js handler so a caller without the right identity gets PERMISSION_DENIED. */
export function authorized<H>(ctx: AgentContext, method: string, handler: H): H {
  const wrapped = (call: AuthCall, callback?: grpc.sendUnaryData<never>) => {
    const caller = callerOfCall(call);
    const denied = refusal(ctx.node, method, caller);
    if (!denied) return (handler as (call: AuthCall, callback?: grpc.sendUnaryData<never>) => void)(call, callback);
    ctx.log.warn({ method, caller: describeCaller(caller) }, 'call refused');
    const error = { code: grpc.status.PERMISSION_DENIED, details: denied };
    if (callback) callback(error);
    else call.emit('error', error);
  };
  return wrapped as H;
}
