// Issue 6: two operator processes campaign for one Lease (4 s, the OperatorProcess default).
// Exactly one leads and only it writes; the standby keeps nothing running. SIGKILL the leader
// and the standby takes over once the lease has expired — not before — and reconciles what
// changed meanwhile; SIGTERM a leader and it stops its controllers, then hands the lease over
// at once. Takeover times are measured from the signal to the new leader's "started leading".
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StoragePool } from '../../src/api/index.ts';
import { LOCAL_DISKS, STORAGE_POOLS } from '../../src/operator/resources.ts';
import { FAST_TAKEOVER_LEASE_MS, type OperatorProcess } from '../helpers/operator-process.ts';
import { TestCluster, reportFailure, sleep, waitFor } from './support.ts';
import { findCondition } from '../../src/operator/runtime/status.ts';

const POOL_LABEL = 'test.stratum.dev/pool';
const LEASE_NAME = 'stratum-operator';
const LEASE_MS = FAST_TAKEOVER_LEASE_MS;
// As main.ts derives them from the lease duration.
const RENEW_DEADLINE_MS = Math.round((LEASE_MS * 2) / 3);
const RETRY_MS = Math.max(200, Math.round(LEASE_MS / 7.5));

const it = suite('operator: leader election');
let cluster: TestCluster | undefined;
let killTakeoverMs = 0;
const c = () => cluster!;
const ops: Record<'a' | 'b' | 'c', OperatorProcess | undefined> = { a: undefined, b: undefined, c: undefined };

interface Lease {
  spec: { holderIdentity?: string; leaseTransitions?: number };
}
interface EventObject {
  reportingInstance?: string;
  involvedObject: { kind: string; name: string };
}

const lease = () => c().client.request<Lease>('GET', `/apis/coordination.k8s.io/v1/namespaces/${c().namespace}/leases/${LEASE_NAME}`);
const leading = (op: OperatorProcess) => op.metric('stratum_leader');
const logTime = (op: OperatorProcess, msg: string) => {
  const line = op.logs().find((l) => l.msg === msg);
  return line ? Date.parse(line.time as string) : undefined;
};
/** When it logged that it leads: the log line comes through a pipe, the gauge that said so over HTTP. */
const startedLeading = (op: OperatorProcess) => waitFor(`${op.name} to log "started leading"`, () => logTime(op, 'started leading'), 5_000);
const poolName = (n: number) => `${c().prefix}-pool${n}`;

async function createPoolReady(n: number): Promise<void> {
  await c().createPool(poolName(n), { mediaClass: 'hdd', nodeSelector: { matchLabels: { [POOL_LABEL]: `n${n}` } } });
}

function poolReady(n: number): Promise<StoragePool> {
  return waitFor(
    `pool ${n} Ready`,
    async () => {
      const p = await c().get<StoragePool>(STORAGE_POOLS, poolName(n));
      return p?.status?.nodeCount === 1 && findCondition(p.status.conditions, 'Ready')?.status === 'True' ? p : undefined;
    },
    60_000,
    200,
  );
}

it.before(
  reportFailure(async () => {
    cluster = await TestCluster.start({ agents: 2, nodeLabels: (i) => ({ [POOL_LABEL]: `n${i}` }) });
  }),
);

it.after(
  reportFailure(async () => {
    await cluster?.teardown();
  }),
);

it('two operators on one Lease: exactly one leads, and only the leader writes', async () => {
  ops.a = await c().startOperator('operator-a', [], { leaseDurationMs: LEASE_MS });
  await waitFor('operator-a to lead', async () => (await leading(ops.a!)) === 1, 20_000, 100);
  ops.b = await c().startOperator('operator-b', [], { leaseDurationMs: LEASE_MS });
  await createPoolReady(0);
  await poolReady(0);
  // The standby has campaigned many times by now; give it a few more rounds to misbehave.
  await sleep(4 * RETRY_MS);

  assert.equal([await leading(ops.a), await leading(ops.b)], [1, 0], 'stratum_leader: a leads, b stands by');
  assert.is((await lease()).spec.holderIdentity, 'operator-a');
  assert.ok((await ops.a.metric('stratum_reconcile_total')) > 0, 'the leader reconciles');
  for (const metric of [
    'stratum_reconcile_total',
    'stratum_workqueue_adds_total',
    'stratum_watch_events_total',
    'stratum_agent_calls_total',
  ]) {
    assert.is(await ops.b.metric(metric), 0, `standby's ${metric}`);
  }
  const standbyLog = ops.b.logs().map((l) => l.msg);
  for (const msg of ['started leading', 'controllers running', 'disk discovered'])
    assert.not.ok(standbyLog.includes(msg), `the standby logged "${msg}"`);
  // Events name the process that wrote them: every one about this test's objects is the leader's.
  const ours = new Set([poolName(0), ...(await c().localDisks()).map((d) => d.metadata.name!)]);
  const events = (
    await c().list<EventObject & { metadata: Record<string, unknown> }>(
      { apiVersion: 'v1', kind: 'Event', plural: 'events', namespaced: true },
      {},
      'default',
    )
  ).filter((e) => ours.has(e.involvedObject.name) && [STORAGE_POOLS.kind, LOCAL_DISKS.kind].includes(e.involvedObject.kind));
  assert.ok(events.length >= 1, 'the leader recorded events');
  assert.equal([...new Set(events.map((e) => e.reportingInstance))], ['operator-a'], 'events by reporting instance');
});

it('SIGKILL the leader: the standby takes over once the lease expires and reconciles what changed meanwhile', async () => {
  const before = (await lease()).spec.leaseTransitions ?? 0;
  const killedAt = Date.now();
  await ops.a!.kill();
  await createPoolReady(1);
  await waitFor('operator-b to lead', async () => (await leading(ops.b!)) === 1, LEASE_MS + 15_000, 50);
  killTakeoverMs = (await startedLeading(ops.b!)) - killedAt;
  process.stdout.write(
    `\n[leader-election] SIGKILL: operator-b took over ${killTakeoverMs} ms after the kill (lease ${LEASE_MS} ms, retry ${RETRY_MS} ms)\n`,
  );
  assert.ok(killTakeoverMs <= LEASE_MS + 3_000, `takeover after SIGKILL took ${killTakeoverMs} ms`);
  // The killed leader renewed within its renew deadline before it died (or it would have exited):
  // a takeover sooner than this would have overlapped a live lease.
  assert.ok(killTakeoverMs >= LEASE_MS - RENEW_DEADLINE_MS, `takeover after ${killTakeoverMs} ms: before the lease could have expired`);
  const held = await lease();
  assert.is(held.spec.holderIdentity, 'operator-b');
  assert.is(held.spec.leaseTransitions, before + 1);
  await poolReady(1);
  assert.ok((await ops.b!.metric('stratum_reconcile_total', { kind: 'StoragePool' })) > 0, 'the new leader reconciles');
});

it('SIGTERM the leader: it stops its controllers, then hands the lease over at once', async () => {
  ops.c = await c().startOperator('operator-c', [], { leaseDurationMs: LEASE_MS });
  await sleep(3 * RETRY_MS);
  assert.is(await leading(ops.c), 0, 'operator-c stands by while operator-b renews');
  const termAt = Date.now();
  const stopped = ops.b!.stop();
  await waitFor('operator-c to lead', async () => (await leading(ops.c!)) === 1, LEASE_MS + 15_000, 50);
  await stopped;
  const handoverMs = (await startedLeading(ops.c)) - termAt;
  process.stdout.write(
    `[leader-election] SIGTERM: operator-c took over ${handoverMs} ms after the signal (SIGKILL case: ${killTakeoverMs} ms)\n`,
  );
  assert.match(ops.b!.proc.exitReason ?? '', /exited with code 0/);
  const steps = ops.b!.logs().map((l) => l.msg);
  assert.ok(steps.includes('lease released'), 'operator-b released the lease');
  assert.ok(steps.includes('controllers stopped'), 'operator-b stopped its controllers');
  assert.ok(
    steps.indexOf('controllers stopped') < steps.indexOf('lease released'),
    'operator-b stopped its controllers before it released the lease',
  );
  assert.ok(handoverMs < LEASE_MS / 2, `handover after SIGTERM took ${handoverMs} ms`);
  assert.ok(handoverMs < killTakeoverMs, 'a graceful handover is faster than waiting for expiry');
  assert.is((await lease()).spec.holderIdentity, 'operator-c');
  await waitFor(
    'operator-c to reconcile both pools',
    async () => (await ops.c!.metric('stratum_reconcile_total', { kind: 'StoragePool' })) >= 2,
    30_000,
    200,
  );
});

it.run();
