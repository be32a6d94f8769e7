// The committed TypeScript types in src/agent-api/generated must be what `npm run gen:proto`
// makes from the .proto files today; and the loader must load both services.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertGeneratedTypesFresh } from '../helpers/generated-types.ts';
import { loadAgentProto, loadHealthProto } from '../../src/agent-api/loader.ts';

test('generated types match a fresh generation from the .proto files', () =>
  assertGeneratedTypesFresh('gen:proto', 'src/agent-api/generated'));

test('loader: the Agent service with its calls, and the health service', () => {
  const methods = Object.keys(loadAgentProto().stratum.agent.v1.Agent.service);
  for (const m of [
    'GetNodeInfo',
    'ListDisks',
    'WatchDisks',
    'EnsurePool',
    'DeletePool',
    'CreateVolume',
    'ExpandVolume',
    'DeleteVolume',
    'ListVolumes',
    'ConfigureReplication',
    'Promote',
    'Demote',
    'SendVolume',
    'ReceiveVolume',
  ])
    assert.ok(methods.includes(m), m);
  const svc = loadAgentProto().stratum.agent.v1.Agent.service;
  assert.ok(svc.WatchDisks.responseStream && !svc.WatchDisks.requestStream);
  assert.ok(svc.ReceiveVolume.requestStream && !svc.ReceiveVolume.responseStream);
  assert.equal(Object.keys(loadHealthProto().grpc.health.v1.Health.service).sort(), ['Check', 'Watch']);
});

test.run();
