import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { status } from '@grpc/grpc-js';
import { AgentError, toStatus, type ErrorKind } from '../../src/agent-api/errors.ts';
import { CommandError } from '../../src/common/exec.ts';
import { classifyLvmError } from '../../src/agent/lvm/errors.ts';

test('each domain error kind maps to its gRPC code, message prefixed with where', () => {
  const expected: Record<ErrorKind, status> = {
    InvalidArgument: status.INVALID_ARGUMENT,
    NotFound: status.NOT_FOUND,
    ResourceExhausted: status.RESOURCE_EXHAUSTED,
    AlreadyExists: status.ALREADY_EXISTS,
    FailedPrecondition: status.FAILED_PRECONDITION,
    PermissionDenied: status.PERMISSION_DENIED,
    Unavailable: status.UNAVAILABLE,
    DeadlineExceeded: status.DEADLINE_EXCEEDED,
    DataLoss: status.DATA_LOSS,
    Internal: status.INTERNAL,
  };
  for (const [kind, code] of Object.entries(expected)) {
    const s = toStatus(new AgentError(kind as ErrorKind, 'pool fast not found'), 'node-a: CreateVolume');
    assert.is(s.code, code, kind);
    assert.is(s.details, 'node-a: CreateVolume: pool fast not found');
  }
});

test('a failed command is Internal and names the command and its stderr; a timed-out one DeadlineExceeded', () => {
  const failed = toStatus(
    new CommandError('lvcreate', ['-n', 'x', 'vg'], 5, '  Volume group "vg" not found\n', '', false),
    'node-a: CreateVolume',
  );
  assert.is(failed.code, status.INTERNAL);
  assert.match(failed.details, /lvcreate -n x vg exited 5: Volume group "vg" not found/);
  const timedOut = toStatus(new CommandError('lvs', [], null, '', '', true), 'node-a: ListVolumes');
  assert.is(timedOut.code, status.DEADLINE_EXCEEDED);
});

test('unknown errors are Internal with their message', () => {
  const s = toStatus(new TypeError('boom'), 'n: M');
  assert.is(s.code, status.INTERNAL);
  assert.is(s.details, 'n: M: boom');
});

test('LVM stderr is classified by meaning', () => {
  assert.is(
    classifyLvmError('  Volume group "stratum-fast" has insufficient free space (252 extents): 4769 required.'),
    'ResourceExhausted',
  );
  assert.is(classifyLvmError('  Logical Volume "vol1" already exists in volume group "stratum-p1"'), 'AlreadyExists');
  assert.is(classifyLvmError("  Can't create thin-pool without using device-mapper kernel driver."), 'FailedPrecondition');
  assert.is(classifyLvmError('  Logical volume stratum-p1/vol1 in use.'), 'FailedPrecondition');
  assert.is(classifyLvmError('  Failed to find logical volume "stratum-p1/vol1"'), 'NotFound');
  assert.is(classifyLvmError('  New size given (2 extents) not larger than existing size (3 extents)'), 'InvalidArgument');
  assert.is(classifyLvmError('  something else entirely'), undefined);
});

test.run();
