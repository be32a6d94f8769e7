// The operator's copy orders on the receiving side: which node may send which volume here, until
// when. Kept in memory: after an agent restart the operator's next attempt orders again.
import { permissionDenied } from '../../agent-api/errors.ts';
import { describeCaller, type Caller } from '../../agent-api/identity.ts';

export class CopyOrders {
  private readonly orders = new Map<string, { source: string; until: number }>();

  constructor(private readonly node: string) {}

  expect(volumeId: string, source: string, validMs: number): void {
    this.orders.set(volumeId, { source, until: Date.now() + validMs });
  }

  /** Throws PermissionDenied unless `caller` is the peer agent the standing order names. */
  check(volumeId: string, caller: Caller | undefined): void {
    const order = this.orders.get(volumeId);
    if (order && order.until <= Date.now()) this.orders.delete(volumeId);
    const live = order && order.until > Date.now() ? order : undefined;
    if (live && caller?.role === 'peer' && caller.node === live.source) return;
    const why = live ? `the operator's copy order names ${live.source}` : 'the operator has given no copy order for it';
    throw permissionDenied(`volume ${volumeId} on ${this.node}: refused data from ${describeCaller(caller)}: ${why}`);
  }
}
