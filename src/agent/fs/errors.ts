// One error type for filesystem and mount refusals, so callers (CSI node service, gRPC handlers)
// can map a refusal to a status code by its reason instead of by parsing messages.

export type FsErrorReason =
  /** The device carries a signature (filesystem, partition table, LVM PV…) other than the one asked for. */
  | 'foreign-signature'
  /** The target is already a mount point of something else. */
  | 'mount-conflict'
  /** The operation needs a mounted filesystem (e.g. growing xfs) and it is not mounted. */
  | 'not-mounted'
  /** A path, option or filesystem type that is not acceptable. */
  | 'invalid-argument'
  /** The device is smaller than the filesystem can be made on. */
  | 'too-small';

export class FsError extends Error {
  constructor(
    readonly reason: FsErrorReason,
    message: string,
    /** The objects involved (device, target, found signature…), for logs and status messages. */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'FsError';
  }
}
