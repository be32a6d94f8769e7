import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { status } from '@grpc/grpc-js';
import { AgentError, reasonOf, toServiceError, toStatus, type AgentReason, type ErrorKind } from '../../src/agent-api/errors.ts';
import { agentFailure, failureToThrow } from '../../src/operator/agents/agent-failure.ts';
import { AgentUnavailableError } from '../../src/operator/agents/registry.ts';
import { TerminalError } from '../../src/operator/runtime/controller.ts';

/** What the operator receives for an error thrown by an agent handler: the same status the call wrapper sends. */
const fromAgent = (kind: ErrorKind, reason?: AgentReason) =>
  toServiceError(toStatus(new AgentError(kind, 'what went wrong', reason ? { reason } : {}), 'node-a: CreateVolume'));

const TABLE: [string, ErrorKind, AgentReason | undefined, string, boolean][] = [
  ['no space', 'ResourceExhausted', undefined, 'InsufficientCapacity', true],
  ['pool not formed on the node yet', 'NotFound', 'PoolNotFound', 'PoolNotFound', true],
  ['volume missing', 'NotFound', 'VolumeNotFound', 'VolumeNotFound', true],
  ['disk missing', 'NotFound', 'DiskNotFound', 'DiskNotFound', true],
  ['not found by LVM, no reason', 'NotFound', undefined, 'NotFound', true],
  ['volume still mounted', 'FailedPrecondition', 'VolumeInUse', 'VolumeInUse', true],
  ['pool still holds volumes', 'FailedPrecondition', 'PoolInUse', 'PoolInUse', true],
  ['precondition without a reason (address not up yet)', 'FailedPrecondition', undefined, 'FailedPrecondition', true],
  ['disk in use or not blank', 'FailedPrecondition', 'DiskNotUsable', 'DiskNotUsable', false],
  ['pool backend changed', 'FailedPrecondition', 'PoolLayoutChanged', 'PoolLayoutChanged', false],
  ['no thin target', 'FailedPrecondition', 'ThinPoolUnsupported', 'ThinPoolUnsupported', false],
  ['whole disk asked to grow', 'FailedPrecondition', 'DiskCannotGrow', 'DiskCannotGrow', false],
  ['DRBD host name differs', 'FailedPrecondition', 'HostNameMismatch', 'HostNameMismatch', false],
  ['no DRBD module', 'FailedPrecondition', 'DrbdNotLoaded', 'DrbdNotLoaded', false],
  ['bad request', 'InvalidArgument', undefined, 'InvalidRequest', false],
  ['leftover in the way', 'AlreadyExists', undefined, 'AlreadyExists', true],
  ['copy did not verify', 'DataLoss', undefined, 'DataLoss', true],
];

for (const [name, kind, sent, reason, retryable] of TABLE) {
  test(`agent failure: ${name} → ${reason}, ${retryable ? 'retried' : 'terminal'}`, () => {
    const err = fromAgent(kind, sent);
    const f = agentFailure(err, 'node a, pool p');
    assert.equal({ reason: f.reason, retryable: f.retryable }, { reason, retryable });
    assert.is(f.message, 'node a, pool p: node-a: CreateVolume: what went wrong');
    const thrown = failureToThrow(f, err);
    if (retryable) assert.is(thrown, err, 'retried as it came');
    else assert.ok(thrown instanceof TerminalError && thrown.message === `${reason}: ${f.message}` && thrown.cause === err);
  });
}

test('the reason travels as trailing metadata and is read back', () => {
  assert.is(reasonOf(fromAgent('NotFound', 'PoolNotFound')), 'PoolNotFound');
  assert.is(reasonOf(fromAgent('NotFound')), undefined);
  assert.is(reasonOf(new Error('plain')), undefined);
});

test('an unreachable agent is AgentUnavailable and retried, in its own words', () => {
  const err = new AgentUnavailableError('b', '127.0.0.3:9443: connect ECONNREFUSED');
  assert.equal(agentFailure(err, 'node b, pool p'), { reason: 'AgentUnavailable', retryable: true, message: err.message });
});

test('any other code is AgentError, retried, with the code named', () => {
  const internal = toServiceError(toStatus(new Error('lvcreate exited 5'), 'node-a: CreateVolume'));
  assert.equal(agentFailure(internal), {
    reason: 'AgentError',
    retryable: true,
    message: 'INTERNAL: node-a: CreateVolume: lvcreate exited 5',
  });
  assert.is(internal.code, status.INTERNAL);
  assert.equal(agentFailure(new Error('socket closed')), { reason: 'AgentError', retryable: true, message: 'UNKNOWN: socket closed' });
});

test.run();
