// Registers the agent's CSI driver with the kubelet through its plugin watcher: the kubelet finds
// `<driver>-reg.sock` in its plugins_registry directory, asks GetInfo for the driver's name and
// CSI socket, registers the driver (NodeGetInfo over that socket, the node's CSINode) and reports
// the outcome with NotifyRegistrationStatus. Removing the socket unregisters the driver. The agent
// does this itself instead of running node-driver-registrar: one image and container less per node.
import path from 'node:path';
import { CSI_DRIVER_NAME } from '../../common/constants.ts';
import type { Logger } from '../../common/log.ts';
import { loadRegistrationProto } from '../../agent-api/loader.ts';
import type { RegistrationHandlers } from '../../agent-api/generated/pluginregistration/Registration.ts';
import { csiUnary, serveCsi, type CsiServer } from '../../csi/server.ts';

/** The registration socket's name; the kubelet takes any socket in the directory. */
export const REGISTRATION_SOCKET = `${CSI_DRIVER_NAME}-reg.sock`;

export interface KubeletRegistrationOptions {
  /** The kubelet's plugins_registry directory. */
  readonly dir: string;
  /** The CSI socket's path as the kubelet sees it on the host. */
  readonly endpoint: string;
  readonly log: Logger;
  /** Told every outcome the kubelet reports. */
  readonly onStatus: (registered: boolean) => void;
}

function handlers(opts: KubeletRegistrationOptions): RegistrationHandlers {
  const { log } = opts;
  return {
    GetInfo: csiUnary(log, 'GetInfo', async () => {
      log.info({ endpoint: opts.endpoint }, 'the kubelet asks for the CSI driver');
      // The CSI spec's version, which the kubelet checks; not the driver's own version.
      return { type: 'CSIPlugin', name: CSI_DRIVER_NAME, endpoint: opts.endpoint, supportedVersions: ['1.0.0'] };
    }),
    NotifyRegistrationStatus: csiUnary(log, 'NotifyRegistrationStatus', async (req) => {
      if (req.pluginRegistered) log.info({ endpoint: opts.endpoint }, 'the kubelet registered the CSI driver');
      else
        log.error({ endpoint: opts.endpoint, err: req.error }, 'the kubelet refused the CSI driver: no volume can be mounted on this node');
      opts.onStatus(req.pluginRegistered);
      return {};
    }),
  };
}

/** Serves the registration socket (replacing a stale one); `stop` removes it. */
export function serveKubeletRegistration(opts: KubeletRegistrationOptions): Promise<CsiServer> {
  const { Registration } = loadRegistrationProto().pluginregistration;
  return serveCsi(
    `unix://${path.join(opts.dir, REGISTRATION_SOCKET)}`,
    (server) => server.addService(Registration.service, handlers(opts)),
    opts.log,
  );
}
