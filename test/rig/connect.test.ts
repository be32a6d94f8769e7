// How tests reach the shared plane: the environment from scripts/test.ts, a clear error without
// it, and controllers started against the shared plane for one test's duration.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CoreV1Api } from '@kubernetes/client-node';
import { connectToSharedControlPlane, startSharedControllers } from './connect.ts';
import { waitGone } from './processes.ts';

const test = suite('connect');

test('the environment from scripts/test.ts gives an admin KubeConfig for the shared plane', async () => {
  const core = connectToSharedControlPlane().kubeConfig().makeApiClient(CoreV1Api);
  const ns = await core.readNamespace({ name: 'kube-system' });
  assert.is(ns.metadata?.name, 'kube-system');
});

test('without that environment it throws, saying how to run the suite (never a skip)', () => {
  assert.throws(() => connectToSharedControlPlane({}), /STRATUM_TEST_KUBECONFIG.*'npm test -- /);
  assert.throws(
    () => connectToSharedControlPlane({ STRATUM_TEST_KUBECONFIG: '/nonexistent/kubeconfig', STRATUM_TEST_RIG_DIR: '/nonexistent' }),
    /does not exist: the shared control plane is gone/,
  );
});

test('startSharedControllers runs kube-scheduler against the shared plane until stopped', async () => {
  const controllers = await startSharedControllers({ scheduler: true });
  const pids = controllers.processes.map((p) => p.pid ?? -1);
  try {
    assert.is(pids.length, 1);
    assert.is(controllers.processes[0]?.exitReason, undefined, 'running (its /healthz answered)');
  } finally {
    await controllers.stop();
  }
  assert.equal(await waitGone(pids), []);
});

test.run();
