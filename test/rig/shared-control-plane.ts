// The one control plane of a test run: scripts/test.ts starts it before the suites that need
// Kubernetes (rig, operator, integration) and hands them its location through the environment;
// tests reach it with connectToSharedControlPlane() (connect.ts).
//
// It runs etcd and kube-apiserver only. No kube-controller-manager: its DaemonSet, garbage
// collector and node-lifecycle controllers would act on the objects tests create (agent Pods
// from an applied install, played Nodes) behind the tests' backs. No kube-scheduler: played
// agent Pods are bound by name. A test that needs them (CSI provisioning) starts them for its
// own duration with startSharedControllers() — about 2 s — or starts its own ControlPlane with
// the `controllerManager`/`scheduler` switches.
import { ControlPlane } from './control-plane.ts';

export const ENV_KUBECONFIG = 'STRATUM_TEST_KUBECONFIG';
export const ENV_RIG_DIR = 'STRATUM_TEST_RIG_DIR';

export interface SharedControlPlane {
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startSharedControlPlane(): Promise<SharedControlPlane> {
  const plane = await ControlPlane.start();
  const t = plane.timings;
  const s = (ms: number) => (ms / 1000).toFixed(1);
  process.stdout.write(
    `[rig] control plane ready in ${s(t.totalMs)} s (etcd ${s(t.etcdMs)} s, kube-apiserver ${s(t.apiServerMs)} s) at ${plane.server}\n`,
  );
  return {
    env: { [ENV_KUBECONFIG]: plane.kubeconfigPath, [ENV_RIG_DIR]: plane.files.dir },
    stop: () => plane.teardown(),
  };
}
