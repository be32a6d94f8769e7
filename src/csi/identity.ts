// The CSI Identity service, served by the operator (beside the controller service) and by every
// agent (beside the node service): one plugin, so both report the same name, version and
// capabilities; Probe reports the serving process's own readiness.
import type { Logger } from '../common/log.ts';
import { CSI_DRIVER_NAME } from '../common/constants.ts';
import { PACKAGE_VERSION } from '../common/package-root.ts';
import type { IdentityHandlers } from './api/generated/csi/v1/Identity.ts';
import { csiUnary } from './server.ts';

export interface IdentityOptions {
  readonly log: Logger;
  /** Whether the process can serve its CSI calls now (Probe's answer); may check a dependency. */
  readonly ready: () => boolean | Promise<boolean>;
}

export function identityHandlers(opts: IdentityOptions): IdentityHandlers {
  const { log } = opts;
  return {
    GetPluginInfo: csiUnary(log, 'GetPluginInfo', async () => ({ name: CSI_DRIVER_NAME, vendorVersion: PACKAGE_VERSION, manifest: {} })),
    GetPluginCapabilities: csiUnary(log, 'GetPluginCapabilities', async () => ({
      capabilities: [
        { service: { type: 'CONTROLLER_SERVICE' } },
        { service: { type: 'VOLUME_ACCESSIBILITY_CONSTRAINTS' } },
        { volumeExpansion: { type: 'ONLINE' } },
      ],
    })),
    Probe: csiUnary(log, 'Probe', async () => ({ ready: { value: await opts.ready() } })),
  };
}
