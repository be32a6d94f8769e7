// The agent's view of its disks over time: rescans (on demand and on an interval — udev events
// are not available to the agent here), remembers disks that went away as MISSING, adds pool
// ownership, and tells subscribers what changed (WatchDisks). A scan forks lsblk and wipefs (60 ms
// of CPU); the interval's scan runs only when the kernel's tables of block devices and mounts
// changed, and once a minute regardless.
import { readFileSync } from 'node:fs';
import type { Logger } from '../../common/log.ts';
import type { Disk__Output } from '../../agent-api/generated/stratum/agent/v1/Disk.ts';
import type { DiskEvent } from '../../agent-api/generated/stratum/agent/v1/DiskEvent.ts';
import { CallScope } from '../../agent-api/call-scope.ts';
import { globToRegExp } from './glob.ts';
import { scanDisks, type ScannedDisk } from './scan.ts';

export type DiskListener = (event: DiskEvent & { disk: Disk__Output }) => void;

export interface NodeDiskInventoryOptions {
  readonly filter: readonly string[];
  readonly scanIntervalMs: number;
  readonly log: Logger;
  /** disk id → owning pool; read on every scan. */
  readonly owners: () => ReadonlyMap<string, string>;
  /** The scanner. @default scanDisks (lsblk, wipefs, sysfs) */
  readonly scan?: (filter: readonly RegExp[]) => Promise<ScannedDisk[]>;
  /** What a new, grown, gone or mounted disk changes. @default blockLayer */
  readonly layer?: () => string;
  /** How often the interval scans although the layer is the same. @default UNCHANGED_RESCAN_MS */
  readonly unchangedRescanMs?: number;
}

/** The interval's scan with the block layer unchanged: a filesystem written onto an idle, unmounted disk shows in no kernel table. */
export const UNCHANGED_RESCAN_MS = 60_000;

/**
 * The kernel's block devices with their sizes, and this mount namespace's mounts (what lsblk's
 * MOUNTPOINTS reads). Read synchronously: two small files the kernel renders from memory, read
 * in the same turn a scan begins in.
 */
export function blockLayer(): string {
  return `${readFileSync('/proc/partitions', 'utf8')}\n${readFileSync('/proc/self/mountinfo', 'utf8')}`;
}

function withState(d: ScannedDisk, pool: string): Disk__Output {
  const state =
    pool || d.inUseReasons.some((r) => r !== 'read-only')
      ? 'DISK_STATE_IN_USE'
      : d.inUseReasons.includes('read-only')
        ? 'DISK_STATE_UNHEALTHY'
        : 'DISK_STATE_AVAILABLE';
  return { ...d, pool, state, inUseReasons: pool ? [...d.inUseReasons, `pool:${pool}`] : d.inUseReasons };
}

function missing(last: Disk__Output | undefined, id: string, pool: string): Disk__Output {
  const base: Disk__Output = last ?? {
    id,
    devicePath: '',
    byIdPaths: [],
    wwn: '',
    serial: '',
    model: '',
    vendor: '',
    sizeBytes: '0',
    mediaClass: 'MEDIA_CLASS_UNSPECIFIED',
    rotational: false,
    transport: '',
    state: 'DISK_STATE_MISSING',
    inUseReasons: [],
    pool,
    backingFile: '',
    majorMinor: '',
  };
  return { ...base, pool, state: 'DISK_STATE_MISSING' };
}

const fingerprint = (d: Disk__Output): string => JSON.stringify([d.devicePath, d.sizeBytes, d.state, d.pool, d.inUseReasons, d.mediaClass]);

export class NodeDiskInventory {
  private readonly filter: RegExp[];
  private readonly disks = new Map<string, Disk__Output>();
  private readonly listeners = new Set<DiskListener>();
  private inflight?: Promise<Disk__Output[]>;
  private queued?: Promise<Disk__Output[]>;
  private timer?: NodeJS.Timeout;
  private scanned = false;
  /** The block layer as the last scan began, and when. */
  private lastScan?: { layer: string | undefined; at: number };

  constructor(private readonly opts: NodeDiskInventoryOptions) {
    this.filter = opts.filter.map(globToRegExp);
  }

  /**
   * Scans and returns every known disk, missing ones included. The scan begins after the call: a
   * scan already under way may have read the devices before the caller's change (a disk just
   * attached), so callers arriving during one share the next.
   */
  refresh(): Promise<Disk__Output[]> {
    if (!this.inflight) return this.begin();
    // The scan under way reports its own failure to its callers; the next one runs either way.
    this.queued ??= this.inflight
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        // Another caller may have begun a scan between the old one ending and this turn: it too began after ours.
        return this.inflight ?? this.begin();
      });
    return this.queued;
  }

  private begin(): Promise<Disk__Output[]> {
    this.inflight = this.scan().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /** The disks as of the last scan. */
  current(): Disk__Output[] {
    return [...this.disks.values()];
  }

  /** A present disk by id, device path or by-id link. */
  find(ref: string): Disk__Output | undefined {
    for (const d of this.disks.values()) {
      if (d.state === 'DISK_STATE_MISSING') continue;
      if (d.id === ref || d.devicePath === ref || d.byIdPaths.includes(ref)) return d;
    }
    return undefined;
  }

  subscribe(listener: DiskListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    const tick = () => {
      this.scanIfChanged()
        .catch((err: unknown) => this.opts.log.warn({ err: (err as Error).message }, 'disk scan failed'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.opts.scanIntervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** The interval's turn: a scan when the block layer changed since the last one began, or that one is old. */
  private async scanIfChanged(): Promise<void> {
    const last = this.lastScan;
    const stale = !last || Date.now() - last.at >= (this.opts.unchangedRescanMs ?? UNCHANGED_RESCAN_MS);
    if (!stale && last.layer !== undefined && this.layer() === last.layer) return;
    // A failed scan is tried again at the next turn, changed or not.
    await this.refresh().catch((err: unknown) => {
      this.lastScan = undefined;
      throw err;
    });
  }

  /** The block layer, or undefined when it cannot be read (then every turn scans). */
  private layer(): string | undefined {
    try {
      return (this.opts.layer ?? blockLayer)();
    } catch {
      return undefined;
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async scan(): Promise<Disk__Output[]> {
    // Read before the devices are: a change during the scan makes the next turn scan again.
    const began = { layer: this.layer(), at: Date.now() };
    const found = this.opts.scan
      ? await this.opts.scan(this.filter)
      : await scanDisks(CallScope.detached('disk scan', 60_000), { filter: this.filter });
    const owners = this.opts.owners();
    const next = new Map<string, Disk__Output>();
    for (const d of found) next.set(d.id, withState(d, owners.get(d.id) ?? ''));
    for (const [id, last] of this.disks) if (!next.has(id)) next.set(id, missing(last, id, owners.get(id) ?? ''));
    for (const [id, pool] of owners) if (!next.has(id)) next.set(id, missing(undefined, id, pool));

    const events: (DiskEvent & { disk: Disk__Output })[] = [];
    for (const [id, d] of next) {
      const before = this.disks.get(id);
      if (!before) {
        if (this.scanned || d.state !== 'DISK_STATE_MISSING') events.push({ type: 'ADDED', disk: d });
      } else if (d.state === 'DISK_STATE_MISSING' && before.state !== 'DISK_STATE_MISSING') events.push({ type: 'REMOVED', disk: d });
      else if (before.state === 'DISK_STATE_MISSING' && d.state !== 'DISK_STATE_MISSING') events.push({ type: 'ADDED', disk: d });
      else if (fingerprint(before) !== fingerprint(d)) events.push({ type: 'CHANGED', disk: d });
    }
    this.disks.clear();
    for (const [id, d] of next) this.disks.set(id, d);
    this.scanned = true;
    this.lastScan = began;
    for (const e of events) {
      this.opts.log.info({ disk: e.disk.id, device: e.disk.devicePath, event: e.type, state: e.disk.state }, 'disk changed');
      for (const l of this.listeners) l(e);
    }
    return this.current();
  }
}
