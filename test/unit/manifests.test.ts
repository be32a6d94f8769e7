import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/common/exec.ts';
import {
  AGENT_HEALTH_PORT,
  AGENT_TOKEN_AUDIENCE,
  API_GROUP,
  CA_SECRET,
  CSI_DRIVER_NAME,
  CSI_PLUGIN_DIR,
  CSI_REGISTRATION_DIR,
  FINALIZER,
  KUBELET_DIR,
  OPERATOR_BOOTSTRAP_PORT,
  OPERATOR_SERVICE,
  OPERATOR_TLS_SECRET,
  TRUST_BUNDLE_CONFIGMAP,
} from '../../src/common/constants.ts';
import { buildApps } from '../../src/manifests/app.ts';
import { parseAgentConfig } from '../../src/agent/config.ts';
import { socketPath } from '../../src/csi/server.ts';
import { resolveConfig } from '../../src/manifests/config.ts';
import { readYamlObjects, repoRoot } from '../helpers/crd-validator.ts';

/** Runs the cdk8s app exactly as `cdk8s synth` does, into a temp dir, and returns the files. */
async function synth(): Promise<{ charts: Map<string, string>; crds: Map<string, string> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'stratum-synth-'));
  try {
    // The app writes crds/ next to the repo; point it at a copy so the test never edits the tree.
    await run(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/manifests/main.ts')], {
      env: { CDK8S_OUTDIR: path.join(dir, 'charts-gen'), STRATUM_CRDS_DIR: path.join(dir, 'crds') },
      timeoutMs: 60_000,
    });
    return { charts: readTree(path.join(dir, 'charts-gen')), crds: readTree(path.join(dir, 'crds')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Relative path → content of every file under `dir`. */
function readTree(dir: string): Map<string, string> {
  const files = (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[]).filter((e) => e.isFile());
  return new Map(
    files
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
      .sort()
      .map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]),
  );
}

const committed = (dir: string) => readTree(path.join(repoRoot, dir));
const install = [...committed('charts-gen').keys()].flatMap((f) => readYamlObjects(path.join(repoRoot, 'charts-gen', f)));
const ofKind = (kind: string) => install.filter((o) => o.kind === kind);

test('synth is deterministic, and crds/ and charts-gen/ in git equal a fresh synth', async () => {
  const a = await synth();
  const b = await synth();
  assert.equal([...a.charts.entries()], [...b.charts.entries()], 'two synths differ');
  assert.equal([...a.crds.entries()], [...b.crds.entries()], 'two synths differ (crds)');
  for (const [name, fresh, dir] of [
    ['charts-gen', a.charts, 'charts-gen'],
    ['crds', a.crds, 'crds'],
  ] as const) {
    const inGit = committed(dir);
    assert.equal([...inGit.keys()], [...fresh.keys()], `${name}/ files differ from a fresh synth: run npx cdk8s synth and commit`);
    for (const [f, content] of fresh) assert.fixture(inGit.get(f)!, content);
  }
});

test('the install has every object docs/architecture.md lists', () => {
  const kinds = new Set(install.map((o) => o.kind));
  for (const k of [
    'CustomResourceDefinition',
    'Namespace',
    'ServiceAccount',
    'ClusterRole',
    'ClusterRoleBinding',
    'Role',
    'RoleBinding',
    'Deployment',
    'DaemonSet',
    'CSIDriver',
    'StorageClass',
    'PodDisruptionBudget',
    'Service',
    'StoragePool',
    'MutatingAdmissionPolicy',
    'MutatingAdmissionPolicyBinding',
  ])
    assert.ok(kinds.has(k), k);
  const driver = ofKind('CSIDriver')[0]!;
  assert.equal(driver.metadata.name, CSI_DRIVER_NAME);
  assert.equal(
    [driver.spec.attachRequired, driver.spec.storageCapacity, driver.spec.podInfoOnMount, driver.spec.fsGroupPolicy],
    [false, true, true, 'File'],
  );
  for (const sc of ofKind('StorageClass')) {
    assert.equal([sc.provisioner, sc.volumeBindingMode, sc.allowVolumeExpansion], [CSI_DRIVER_NAME, 'WaitForFirstConsumer', true]);
    assert.ok(sc.parameters.pool);
  }
});

test('kubectl apply -f charts-gen/ needs no second pass: custom resources live in charts-gen/pools/', () => {
  const topLevel = readdirSync(path.join(repoRoot, 'charts-gen'))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => readYamlObjects(path.join(repoRoot, 'charts-gen', f)));
  assert.not.ok(
    topLevel.some((o) => String(o.apiVersion).startsWith(API_GROUP)),
    'no Stratum object beside the CRDs',
  );
  assert.ok(readYamlObjects(path.join(repoRoot, 'charts-gen/pools/stratum-pools.yaml')).every((o) => o.kind === 'StoragePool'));
});

test('CRDs come first: their own file and the earliest Argo CD sync wave', () => {
  const waves = install.map((o) => [o.kind, Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0)] as const);
  const crdWave = Math.max(...waves.filter(([k]) => k === 'CustomResourceDefinition').map(([, w]) => w));
  assert.ok(waves.filter(([k]) => k !== 'CustomResourceDefinition').every(([, w]) => w > crdWave));
  assert.ok(readdirSync(path.join(repoRoot, 'charts-gen'))[0]!.includes('crds'));
});

test('operator: 2 replicas, csi-provisioner with capacity, topology, extra metadata and its API client limits, csi-resizer, probes, resources', () => {
  const dep = ofKind('Deployment')[0]!;
  assert.equal(dep.spec.replicas, 2);
  const containers = dep.spec.template.spec.containers as any[];
  const byName = new Map(containers.map((c) => [c.name, c]));
  const prov = byName.get('csi-provisioner');
  // The API client limits it is measured with (bench:pvc), not its defaults of 5 requests/s.
  for (const flag of [
    '--enable-capacity',
    '--feature-gates=Topology=true',
    '--extra-create-metadata',
    '--kube-api-qps=50',
    '--kube-api-burst=100',
  ])
    assert.ok(prov.args.includes(flag), flag);
  assert.ok(byName.get('csi-resizer'));
  const op = byName.get('operator');
  assert.ok(op.livenessProbe && op.readinessProbe);
  assert.ok(op.args.includes('--leader-elect'));
  for (const c of containers) {
    assert.ok(c.resources.requests && c.resources.limits, `${c.name} resources`);
    assert.match(c.image, /:[\w.-]+$/, `${c.name} image pinned by tag`);
    assert.not.match(c.image, /:latest$/);
    assert.not.ok(c.securityContext?.privileged, `${c.name} must not be privileged`);
  }
});

test('agent: privileged only in the agent container, host paths, Bidirectional kubelet dir, system-node-critical', () => {
  const ds = ofKind('DaemonSet')[0]!;
  const spec = ds.spec.template.spec;
  assert.equal(spec.priorityClassName, 'system-node-critical');
  assert.equal(spec.automountServiceAccountToken, false);
  const privileged = spec.containers.filter((c: any) => c.securityContext?.privileged).map((c: any) => c.name);
  assert.equal(privileged, ['agent']);
  assert.equal(
    spec.containers.map((c: any) => c.name),
    ['agent'],
  );
  const hostPaths = spec.volumes.filter((v: any) => v.hostPath).map((v: any) => v.hostPath.path);
  for (const p of ['/dev', '/sys', '/run/udev', '/etc/lvm', '/var/lib/kubelet']) assert.ok(hostPaths.includes(p), p);
  const agent = spec.containers.find((c: any) => c.name === 'agent');
  const kubeletMount = agent.volumeMounts.find((m: any) => m.mountPath === '/var/lib/kubelet');
  assert.equal(kubeletMount.mountPropagation, 'Bidirectional');
  assert.ok(
    agent.ports.some((p: any) => p.name === 'grpc'),
    'the operator finds agents by the named port grpc',
  );
});

test('agent: registers its CSI driver with the kubelet and serves /healthz itself, with the settings the DaemonSet gives it', () => {
  const spec = ofKind('DaemonSet')[0]!.spec.template.spec;
  const agent = spec.containers.find((c: any) => c.name === 'agent');
  const hostPathAt = (mountPath: string): string => {
    const mount = agent.volumeMounts.find((m: any) => m.mountPath === mountPath);
    return spec.volumes.find((v: any) => v.name === mount.name).hostPath.path;
  };
  // The agent reads its settings from these variables, as it would in the pod.
  const env = Object.fromEntries(
    agent.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value.replace('$(POD_IP)', '10.0.0.7')]),
  );
  const config = parseAgentConfig([], env)!;
  assert.equal(config.kubeletRegistration, { dir: CSI_REGISTRATION_DIR, endpoint: `${CSI_PLUGIN_DIR}/csi.sock` });
  // The registration dir is reached through the kubelet-dir mount, at the host's own path.
  assert.is(hostPathAt(KUBELET_DIR), KUBELET_DIR);
  assert.ok(CSI_REGISTRATION_DIR.startsWith(`${KUBELET_DIR}/`));
  assert.not.ok(
    spec.volumes.some((v: any) => v.hostPath?.path === CSI_REGISTRATION_DIR),
    'no volume of its own',
  );
  // The endpoint the kubelet is told is where the agent's CSI socket is on the host.
  const socket = socketPath(config.csiEndpoint!);
  assert.is(path.join(hostPathAt(path.dirname(socket)), path.basename(socket)), config.kubeletRegistration!.endpoint);
  assert.equal(agent.livenessProbe.httpGet, { path: '/healthz', port: AGENT_HEALTH_PORT, scheme: 'HTTP' });
  assert.is(config.healthListen, `10.0.0.7:${AGENT_HEALTH_PORT}`);
});

test('RBAC: no wildcard anywhere; the agent has no Kubernetes access at all', () => {
  for (const role of [...ofKind('ClusterRole'), ...ofKind('Role')]) {
    for (const rule of role.rules) {
      for (const field of ['verbs', 'resources', 'apiGroups'])
        assert.not.ok((rule[field] ?? []).includes('*'), `${role.metadata.name} uses * in ${field}`);
    }
  }
  const agentSa = ofKind('ServiceAccount').find((s) => s.metadata.name === 'stratum-agent');
  assert.equal(agentSa?.automountServiceAccountToken, false);
  const bindings = [...ofKind('ClusterRoleBinding'), ...ofKind('RoleBinding')];
  assert.not.ok(
    bindings.some((b) => b.subjects.some((s: any) => s.name === 'stratum-agent')),
    'the agent is bound to no role',
  );
  const operatorRules = ofKind('ClusterRole').flatMap((r) => r.rules);
  assert.ok(
    operatorRules.some((r: any) => r.apiGroups.includes(API_GROUP) && r.verbs.includes('update')),
    'the operator writes Stratum objects',
  );
});

test('identity: the agent proves its node with a projected token for the operator only; the operator serves certificates', () => {
  const spec = ofKind('DaemonSet')[0]!.spec.template.spec;
  const token = spec.volumes.find((v: any) => v.projected)?.projected.sources[0].serviceAccountToken;
  assert.equal(token, { audience: AGENT_TOKEN_AUDIENCE, expirationSeconds: 3600, path: 'token' });
  assert.ok(
    spec.volumes.some((v: any) => v.configMap?.name === TRUST_BUNDLE_CONFIGMAP),
    'the agent mounts the public trust bundle',
  );
  assert.not.ok(
    spec.volumes.some((v: any) => v.secret),
    'the agent mounts no Secret',
  );
  const env = Object.fromEntries(spec.containers.find((c: any) => c.name === 'agent').env.map((e: any) => [e.name, e.value]));
  assert.is(env.STRATUM_BOOTSTRAP_URL, `https://${OPERATOR_SERVICE}.stratum-system.svc:${OPERATOR_BOOTSTRAP_PORT}`);
  const service = ofKind('Service').find((s) => s.metadata.name === OPERATOR_SERVICE);
  assert.equal(service?.spec.ports[0].port, OPERATOR_BOOTSTRAP_PORT);
  const op = ofKind('Deployment')[0]!.spec.template.spec.containers.find((c: any) => c.name === 'operator');
  assert.ok(op.args.includes('--certificates=managed'));
});

test("RBAC: pods only in the namespace; Secret and ConfigMap rights only on the CA's own objects (create aside)", () => {
  const clusterRules = ofKind('ClusterRole').flatMap((r) => r.rules);
  assert.not.ok(
    clusterRules.some((r: any) => r.resources.includes('pods')),
    'no cluster-wide pod access',
  );
  assert.not.ok(
    clusterRules.some((r: any) => r.resources.includes('secrets') || r.resources.includes('configmaps')),
    'no cluster-wide Secret or ConfigMap access',
  );
  const nsRules = ofKind('Role').flatMap((r) => r.rules);
  for (const r of nsRules.filter((x: any) => x.resources.includes('secrets') || x.resources.includes('configmaps'))) {
    if (r.verbs.length === 1 && r.verbs[0] === 'create') continue;
    assert.ok(r.resourceNames?.length, `${r.resources} ${r.verbs} is limited by name`);
    assert.ok(
      r.resourceNames.every((n: string) => n === CA_SECRET || n === TRUST_BUNDLE_CONFIGMAP),
      String(r.resourceNames),
    );
  }
});

test('certManagerIssuer: cert-manager Certificates for the CA and the operator; the operator only reads the CA Secret', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stratum-certmanager-'));
  try {
    for (const app of buildApps(resolveConfig({ certManagerIssuer: { name: 'corp-ca' } }), dir)) app.synth();
    const objects = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => readYamlObjects(path.join(dir, f)));
    const certs = objects.filter((o) => o.kind === 'Certificate');
    assert.equal(
      certs.map((c) => [c.metadata.name, c.spec.secretName, c.spec.isCA ?? false, c.spec.issuerRef.name]),
      [
        [CA_SECRET, CA_SECRET, true, 'corp-ca'],
        [OPERATOR_TLS_SECRET, OPERATOR_TLS_SECRET, false, 'corp-ca'],
      ],
    );
    assert.equal(certs[1]!.spec.uris, ['stratum://operator']);
    const secretRules = objects
      .filter((o) => o.kind === 'Role')
      .flatMap((r) => r.rules)
      .filter((r: any) => r.resources.includes('secrets'));
    assert.equal(secretRules, [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [CA_SECRET] }]);
    const op = objects.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers.find((c: any) => c.name === 'operator');
    assert.ok(op.args.includes('--certificates=external'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('finalizerPolicy: new LocalVolumes get the finalizer in admission, on CREATE only; off, the install has no admission objects', () => {
  const [policy] = ofKind('MutatingAdmissionPolicy');
  assert.equal(policy!.spec.matchConstraints.resourceRules, [
    { apiGroups: [API_GROUP], apiVersions: ['*'], operations: ['CREATE'], resources: ['localvolumes'] },
  ]);
  // A failed evaluation must not refuse the volume: the operator adds the finalizer then.
  assert.is(policy!.spec.failurePolicy, 'Ignore');
  assert.ok(policy!.spec.mutations[0].jsonPatch.expression.includes(FINALIZER));
  assert.is(ofKind('MutatingAdmissionPolicyBinding')[0]!.spec.policyName, policy!.metadata.name);
  const dir = mkdtempSync(path.join(tmpdir(), 'stratum-nopolicy-'));
  try {
    for (const app of buildApps(resolveConfig({ finalizerPolicy: false }), dir)) app.synth();
    const kinds = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => readYamlObjects(path.join(dir, f)))
      .map((o) => o.kind);
    assert.ok(kinds.includes('Deployment'));
    assert.not.ok(kinds.some((k) => k.startsWith('MutatingAdmission')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
