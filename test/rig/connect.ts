// How a test reaches the shared control plane that scripts/test.ts started for its suite.
// Without it the test cannot show anything, so a missing environment is an error, never a skip.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { startControllers, type Controllers, type ControllersOptions } from './controllers.ts';
import { rigFiles, type RigFiles } from './rig-files.ts';
import { ENV_KUBECONFIG, ENV_RIG_DIR } from './shared-control-plane.ts';

export interface SharedRig {
  readonly files: RigFiles;
  readonly kubeconfigPath: string;
  /** A fresh KubeConfig (admin, system:masters) for @kubernetes/client-node. */
  kubeConfig(): KubeConfig;
}

export function connectToSharedControlPlane(env: NodeJS.ProcessEnv = process.env): SharedRig {
  const kubeconfigPath = env[ENV_KUBECONFIG];
  const dir = env[ENV_RIG_DIR];
  if (!kubeconfigPath || !dir) {
    throw new Error(
      `${ENV_KUBECONFIG} and ${ENV_RIG_DIR} are not set: this test needs the shared control plane, ` +
        `which scripts/test.ts starts — run it with 'npm test -- <suite>' (e.g. 'npm test -- rig')`,
    );
  }
  if (!existsSync(kubeconfigPath)) {
    throw new Error(`${ENV_KUBECONFIG}=${kubeconfigPath} does not exist: the shared control plane is gone`);
  }
  return {
    files: rigFiles(dir),
    kubeconfigPath,
    kubeConfig: () => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      return kc;
    },
  };
}

/** Starts kube-controller-manager and/or kube-scheduler against the shared plane; stop them in an `after` hook. */
export function startSharedControllers(opts: Omit<ControllersOptions, 'binDir'>): Promise<Controllers> {
  return startControllers(connectToSharedControlPlane().files, opts);
}

/** A name no other test uses: tests share one plane and isolate themselves by object names. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}
