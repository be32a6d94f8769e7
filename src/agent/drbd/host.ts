// Where this agent keeps DRBD resource files, and the host name drbdadm will match against the
// files' `on` sections (the namespace's, when drbdadm runs in its own UTS namespace).
import os from 'node:os';
import { run } from '../../common/exec.ts';
import type { AgentConfig } from '../config.ts';

export const DEFAULT_DRBD_CONFIG_DIR = '/etc/drbd.d';

export interface DrbdSettings {
  readonly configDir: string;
  readonly utsNamespace?: string;
}

export function drbdSettings(config: Pick<AgentConfig, 'drbdConfigDir' | 'drbdUtsNamespace'>): DrbdSettings {
  return { configDir: config.drbdConfigDir ?? DEFAULT_DRBD_CONFIG_DIR, utsNamespace: config.drbdUtsNamespace };
}

/** `uname -n` as drbdadm will see it. */
export async function drbdHostname(settings: DrbdSettings): Promise<string> {
  if (!settings.utsNamespace) return os.hostname();
  const { stdout } = await run('nsenter', [`--uts=${settings.utsNamespace}`, '--', 'uname', '-n'], { timeoutMs: 10_000 });
  return stdout.trim();
}
