// The rig's real kubectl (.rig/bin/kubectl) against a given kubeconfig.
import { run, type RunOptions, type RunResult } from '../../src/common/exec.ts';
import { rigBinary } from './binaries.ts';

export function kubectl(kubeconfig: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(rigBinary('kubectl'), ['--kubeconfig', kubeconfig, ...args], { timeoutMs: 60_000, ...opts });
}
