// Leader election on a real Lease: one leader at a time, takeover after leaseDuration when the
// leader hangs, immediate takeover after a release, and a hung leader that stops leading on its
// own (renewDeadline) before anyone else can take over.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeClient, type RequestOptions } from '../../src/operator/runtime/kube/client.ts';
import { LeaderElector, type LeaderEvent } from '../../src/operator/runtime/leader.ts';
import { OperatorMetrics } from '../../src/operator/runtime/metrics.ts';
import { connectToSharedControlPlane } from '../rig/connect.ts';
import { createNamespace, deleteNamespace, sleep, suffix, waitFor } from './support.ts';

/** A real client whose calls can be made to hang (until their timeout or abort), like a partitioned process. */
class HangableClient extends KubeClient {
  hung = false;
  override request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    if (!this.hung) return super.request<T>(method, path, opts);
    return new Promise<T>((_, reject) => {
      const fail = () => reject(new Error(`${method} ${path}: hung`));
      opts.signal?.addEventListener('abort', fail, { once: true });
      setTimeout(fail, opts.timeoutMs ?? 30_000).unref();
    });
  }
}

const rig = connectToSharedControlPlane();
const admin = new KubeClient(rig.kubeConfig());
const clients: KubeClient[] = [admin];
const electors: LeaderElector[] = [];
let ns = '';

const TIMING = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 400 };

interface Candidate {
  readonly elector: LeaderElector;
  readonly client: HangableClient;
  readonly log: { at: number; ev: LeaderEvent }[];
}

function candidate(lease: string, identity: string): Candidate {
  const client = new HangableClient(rig.kubeConfig());
  clients.push(client);
  const elector = new LeaderElector(client, { namespace: ns, name: lease, identity, ...TIMING, metrics: new OperatorMetrics() });
  electors.push(elector);
  const log: Candidate['log'] = [];
  elector.events$.subscribe((ev) => log.push({ at: Date.now(), ev }));
  return { elector, client, log };
}

/** On a fresh Lease: a leads, b has campaigned long enough to be a standby. */
async function leaderAndStandby(): Promise<{ lease: string; a: Candidate; b: Candidate }> {
  const lease = `lease-${suffix()}`;
  const a = candidate(lease, 'a');
  a.elector.start();
  await waitFor('a leads', () => a.elector.isLeader, 5_000);
  const b = candidate(lease, 'b');
  b.elector.start();
  await sleep(TIMING.retryPeriodMs * 2);
  return { lease, a, b };
}

const startedAt = (c: Candidate) => c.log.find((e) => e.ev.type === 'started')?.at;

test.before(async () => {
  ns = await createNamespace(admin, 'op-leader');
});

test.after.each(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop()));
});

test.after(async () => {
  await deleteNamespace(admin, ns);
  clients.forEach((c) => {
    c.close();
  });
});

test('two electors on one Lease: exactly one leads, the other stays standby', async () => {
  const lease = `lease-${suffix()}`;
  const a = candidate(lease, 'a');
  const b = candidate(lease, 'b');
  a.elector.start();
  b.elector.start();
  await waitFor('a leader', () => a.elector.isLeader || b.elector.isLeader, 5_000);
  const deadline = Date.now() + 2 * TIMING.leaseDurationMs;
  while (Date.now() < deadline) {
    assert.ok(a.elector.isLeader !== b.elector.isLeader, 'exactly one leader at any time');
    await sleep(50);
  }
  const leader = a.elector.isLeader ? a : b;
  const stored = await admin.request<{ spec: { holderIdentity: string; leaseDurationSeconds: number } }>(
    'GET',
    `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${lease}`,
  );
  assert.is(stored.spec.holderIdentity, leader.elector.identity);
  assert.is(stored.spec.leaseDurationSeconds, 3);
  assert.equal(
    [...a.log, ...b.log].map((e) => e.ev.type),
    ['started'],
    'one start, no flapping',
  );
});

test('a leader that stops renewing (killed) is replaced only after leaseDuration', async () => {
  const { a, b } = await leaderAndStandby();
  assert.not.ok(b.elector.isLeader);
  const killedAt = Date.now();
  await a.elector.stop();
  await waitFor('b takes over', () => b.elector.isLeader, 3 * TIMING.leaseDurationMs);
  const waited = startedAt(b)! - killedAt;
  // b judges expiry from when it saw the last renewal, which was at most one retry period before the kill.
  assert.ok(waited >= TIMING.leaseDurationMs - TIMING.retryPeriodMs * 1.2 - 100, `took over ${waited} ms after the kill: too early`);
  assert.ok(waited <= TIMING.leaseDurationMs + 2 * TIMING.retryPeriodMs * 1.2 + 500, `took over ${waited} ms after the kill: too late`);
});

test('a hung leader stops leading at renewDeadline, before the other takes over after leaseDuration', async () => {
  const { a, b } = await leaderAndStandby();
  const hungAt = Date.now();
  a.client.hung = true;
  await waitFor('b takes over', () => b.elector.isLeader, 3 * TIMING.leaseDurationMs);
  const lost = a.log.find((e) => e.ev.type === 'stopped');
  assert.ok(lost, 'a reported that it stopped leading');
  assert.equal(lost.ev, { type: 'stopped', reason: 'lost' });
  assert.ok(lost.at - hungAt <= TIMING.renewDeadlineMs + 300, `a stopped ${lost.at - hungAt} ms after hanging, past the renew deadline`);
  assert.ok(lost.at < startedAt(b)!, 'a stopped leading before b started');
  assert.ok(
    startedAt(b)! - lost.at >= TIMING.leaseDurationMs - TIMING.renewDeadlineMs - TIMING.retryPeriodMs * 1.2 - 100,
    'with a margin of about leaseDuration − renewDeadline',
  );
  assert.not.ok(a.elector.isLeader);
});

test('release (SIGTERM) hands the Lease over at once', async () => {
  const { lease, a, b } = await leaderAndStandby();
  const releasedAt = Date.now();
  await a.elector.release();
  assert.not.ok(a.elector.isLeader);
  assert.equal(a.log.at(-1)!.ev, { type: 'stopped', reason: 'released' });
  await waitFor('b takes over', () => b.elector.isLeader, TIMING.leaseDurationMs);
  const waited = startedAt(b)! - releasedAt;
  assert.ok(waited < TIMING.leaseDurationMs / 2, `took over ${waited} ms after the release`);
  const stored = await admin.request<{ spec: { holderIdentity: string; leaseTransitions: number } }>(
    'GET',
    `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${lease}`,
  );
  assert.is(stored.spec.holderIdentity, 'b');
  assert.is(stored.spec.leaseTransitions, 1);
});

test('releaseOn(SIGTERM) releases on the signal and then calls back', async () => {
  const lease = `lease-${suffix()}`;
  const a = candidate(lease, 'a');
  a.elector.start();
  await waitFor('a leads', () => a.elector.isLeader, 5_000);
  let calledBack = false;
  const dispose = a.elector.releaseOn(['SIGTERM'], () => (calledBack = true));
  try {
    process.emit('SIGTERM');
    await waitFor('release finished', () => calledBack, 5_000);
  } finally {
    dispose();
  }
  const stored = await admin.request<{ spec: { holderIdentity?: string } }>(
    'GET',
    `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${lease}`,
  );
  assert.is(stored.spec.holderIdentity ?? '', '');
});

test('nonsense timings are refused', () => {
  assert.throws(() => new LeaderElector(admin, { namespace: 'x', name: 'y', leaseDurationMs: 1500 }), /whole seconds/);
  assert.throws(
    () => new LeaderElector(admin, { namespace: 'x', name: 'y', leaseDurationMs: 2000, renewDeadlineMs: 2000 }),
    /less than leaseDurationMs/,
  );
  assert.throws(() => new LeaderElector(admin, { namespace: 'x', name: 'y', retryPeriodMs: 9000 }), /retryPeriodMs/);
});

test.run();
