// The committed TypeScript types in src/agent-api/generated must be what `npm run gen:proto`
// makes from the .proto files today; the loader must load the services; and the kubelet's
// registration service must be, on the wire, what the kubelet the rig pins defines.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as protoLoader from '@grpc/proto-loader';
import { run } from '../../src/common/exec.ts';
import { assertGeneratedTypesFresh } from '../helpers/generated-types.ts';
import { repoRoot } from '../helpers/crd-validator.ts';
import { LOADER_OPTIONS, REGISTRATION_PROTO, loadAgentProto, loadHealthProto, loadRegistrationProto } from '../../src/agent-api/loader.ts';

test('generated types match a fresh generation from the .proto files', () =>
  assertGeneratedTypesFresh('gen:proto', 'src/agent-api/generated'));

test('loader: the Agent service with its calls, the health service and the kubelet registration service', () => {
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
  const registration = loadRegistrationProto().pluginregistration.Registration.service;
  assert.equal(
    Object.values(registration).map((m) => m.path),
    ['/pluginregistration.Registration/GetInfo', '/pluginregistration.Registration/NotifyRegistrationStatus'],
  );
});

/** What the wire sees of a .proto file: method paths with their message types, message fields by number and type. */
function wireShape(file: string): Record<string, unknown> {
  const shape: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(protoLoader.loadSync(file, LOADER_OPTIONS))) {
    if ('format' in def) {
      const fields = (def.type as { field: { name: string; number: number; label: string; type: string }[] }).field;
      shape[name] = fields.map((f) => [f.name, f.number, f.label, f.type]);
    } else if (!('valuesById' in def)) {
      const typeName = (t: { type: object }) => (t.type as { name: string }).name;
      shape[name] = Object.values(def).map((m) => [
        m.path,
        typeName(m.requestType),
        typeName(m.responseType),
        m.requestStream,
        m.responseStream,
      ]);
    }
  }
  return shape;
}

// Go is required anyway (the test control plane is built with it): without it this fails, never skips.
test("the kubelet registration proto matches the kubelet module's api.proto (the version test/rig/go/kubernetes pins)", async () => {
  const gomod = readFileSync(path.join(repoRoot, 'test/rig/go/kubernetes/go.mod'), 'utf8');
  const version = /\tk8s\.io\/kubelet (v[\d.]+)/.exec(gomod)?.[1];
  assert.ok(version, 'test/rig/go/kubernetes/go.mod requires k8s.io/kubelet');
  const { stdout } = await run('go', ['mod', 'download', '-json', `k8s.io/kubelet@${version}`], {
    env: { GOFLAGS: '-mod=mod', PATH: `${process.env.PATH}:/usr/local/go/bin` },
    timeoutMs: 120_000,
  });
  const upstream = path.join((JSON.parse(stdout) as { Dir: string }).Dir, 'pkg/apis/pluginregistration/v1/api.proto');
  const ours = wireShape(REGISTRATION_PROTO);
  assert.ok(Object.keys(ours).includes('pluginregistration.PluginInfo'));
  assert.equal(ours, wireShape(upstream));
});

test.run();
