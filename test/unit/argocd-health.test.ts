// The Argo CD health checks as shipped (docs/argocd/argocd-cm-health.yaml), run by Lua 5.1 (Argo
// CD runs gopher-lua, a Lua 5.1) the way Argo CD runs them: the live object as the global `obj`,
// the script's returned table read as { status, message }.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { run } from '../../src/common/exec.ts';
import { argocdHealthPatch, healthKey } from '../../src/manifests/argocd-health.ts';
import { repoRoot } from '../helpers/crd-validator.ts';

const FILE = path.join(repoRoot, 'docs/argocd/argocd-cm-health.yaml');
const shipped = parse(readFileSync(FILE, 'utf8')) as { data: Record<string, string> };

/** A JSON value as a Lua 5.1 literal (arrays 1-based, as Argo CD converts them; null → nil). */
function lua(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{ ${value.map(lua).join(', ')} }`;
  return `{ ${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `[${JSON.stringify(k)}] = ${lua(v)}`)
    .join(', ')} }`;
}

async function health(kind: string, obj: Record<string, unknown>): Promise<{ status: string; message: string }> {
  const script = shipped.data[healthKey(kind)];
  assert.ok(script, `a health check for ${kind}`);
  const program = `obj = ${lua(obj)}\nlocal hs = (function()\n${script}\nend)()\nio.write(hs.status, "\\n", hs.message or "")\n`;
  const { stdout } = await run('lua5.1', ['-'], { input: program, timeoutMs: 10_000 });
  const [status, ...message] = stdout.split('\n');
  return { status: status!, message: message.join('\n') };
}

const ready = (status: 'True' | 'False' | 'Unknown', reason: string, message: string) => [
  { type: 'Ready', status, reason, message, lastTransitionTime: '2026-01-01T00:00:00Z' },
];
const object = (kind: string, status?: Record<string, unknown>, generation = 1) => ({
  apiVersion: 'storage.stratum.dev/v1alpha1',
  kind,
  metadata: { name: 'x', generation },
  spec: {},
  ...(status ? { status } : {}),
});

test('the shipped file is what the cdk8s app generates (run npm run synth after changing the checks)', () => {
  assert.equal(parse(argocdHealthPatch()), shipped);
  assert.equal(Object.keys(shipped.data).sort(), ['LocalDisk', 'LocalVolume', 'StoragePool', 'VolumeReplica'].map(healthKey).sort());
});

test('every kind: no status yet, or an older generation observed → Progressing', async () => {
  for (const kind of ['LocalVolume', 'VolumeReplica', 'StoragePool', 'LocalDisk']) {
    assert.is((await health(kind, object(kind))).status, 'Progressing', kind);
    const stale = await health(kind, object(kind, { observedGeneration: 1, conditions: ready('True', 'Ready', 'ok') }, 2));
    assert.equal(stale, { status: 'Progressing', message: 'waiting for the operator to act on generation 2' }, kind);
  }
});

test("LocalVolume: Ready → Healthy, Creating/Expanding/Migrating → Progressing, Degraded → Degraded with the condition's message", async () => {
  const lv = (phase: string, cond: ReturnType<typeof ready>) =>
    health('LocalVolume', object('LocalVolume', { observedGeneration: 1, phase, conditions: cond }));
  assert.equal(await lv('Ready', ready('True', 'Ready', '1 of 1 replicas ready on node-a')), {
    status: 'Healthy',
    message: 'Ready: 1 of 1 replicas ready on node-a',
  });
  for (const phase of ['Pending', 'Creating', 'Expanding', 'Migrating', 'Deleting']) {
    assert.is((await lv(phase, ready('False', phase, 'working'))).status, 'Progressing', phase);
  }
  assert.equal(await lv('Degraded', ready('False', 'MissingReplicas', '1 of 2 replicas')), {
    status: 'Degraded',
    message: 'MissingReplicas: 1 of 2 replicas',
  });
  assert.equal(await lv('Pending', ready('False', 'PoolNotFound', 'StoragePool fast does not exist')), {
    status: 'Progressing',
    message: 'PoolNotFound: StoragePool fast does not exist',
  });
});

test('VolumeReplica: Failed → Degraded, Syncing/Copying → Progressing, Ready → Healthy', async () => {
  const vr = (state: string, cond?: ReturnType<typeof ready>) =>
    health('VolumeReplica', object('VolumeReplica', { observedGeneration: 1, state, ...(cond ? { conditions: cond } : {}) }));
  assert.equal(await vr('Failed', ready('False', 'CommandFailed', 'node-b: lvcreate exited 5: Insufficient free space')), {
    status: 'Degraded',
    message: 'CommandFailed: node-b: lvcreate exited 5: Insufficient free space',
  });
  assert.equal(await vr('Syncing'), { status: 'Progressing', message: 'Syncing' });
  assert.is((await vr('Copying')).status, 'Progressing');
  assert.is((await vr('Ready', ready('True', 'Ready', ''))).status, 'Healthy');
});

test('StoragePool: the Ready condition decides; LocalDisk: Missing/Unhealthy → Degraded', async () => {
  const sp = (cond: ReturnType<typeof ready>) => health('StoragePool', object('StoragePool', { observedGeneration: 1, conditions: cond }));
  assert.equal(await sp(ready('True', 'Ready', 'ready on 3 nodes')), { status: 'Healthy', message: 'Ready: ready on 3 nodes' });
  assert.equal(await sp(ready('False', 'NoNodes', 'no node matches spec.nodeSelector')), {
    status: 'Degraded',
    message: 'NoNodes: no node matches spec.nodeSelector',
  });
  assert.is((await sp(ready('Unknown', 'Reconciling', ''))).status, 'Progressing');
  const disk = (state: string) => health('LocalDisk', object('LocalDisk', { state }));
  assert.equal(await disk('Missing'), { status: 'Degraded', message: 'Missing' });
  assert.is((await disk('Unhealthy')).status, 'Degraded');
  assert.is((await disk('InUse')).status, 'Healthy');
  assert.is((await disk('Available')).status, 'Healthy');
});

test.run();
