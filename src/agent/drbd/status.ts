// DRBD's view of one resource on this node, read from the kernel: /proc/drbd for DRBD 8.4 (its
// only status interface) and `drbdsetup status --json` for DRBD 9, both reduced to one shape —
// role, local disk, and per peer the connection, its disk and the resync progress.

export interface PeerState {
  readonly node: string;
  /** Connected, Connecting, StandAlone, Disconnecting, … (8.4's WFConnection and kin read Connecting). */
  readonly connectionState: string;
  readonly role: string;
  readonly diskState: string;
  /** Established, SyncSource, SyncTarget, … (Off while not connected). */
  readonly replicationState: string;
  /** Resync progress with this peer, while one runs. */
  readonly syncPercent?: number;
}

export interface ResourceState {
  readonly role: string;
  readonly diskState: string;
  readonly peers: readonly PeerState[];
}

const SYNCING = /^(SyncSource|SyncTarget|PausedSyncS|PausedSyncT|StartingSyncS|StartingSyncT|WFBitMapS|WFBitMapT|WFSyncUUID)$/;

/** How much of the data this replica holds: 100 when UpToDate, the progress as a sync target, else 0. */
export function localSyncPercent(r: ResourceState): number {
  if (r.diskState === 'UpToDate') return 100;
  const target = r.peers.find((p) => /SyncT|WFBitMapT|WFSyncUUID/.test(p.replicationState));
  return target?.syncPercent ?? 0;
}

export function isSyncing(p: PeerState): boolean {
  return SYNCING.test(p.replicationState);
}

// ---- DRBD 8.4: /proc/drbd ----

/** 8.4 connection states (`cs:`) that mean a live connection; the others are on the way to one, or off. */
const CONNECTED_84 =
  /^(Connected|SyncSource|SyncTarget|PausedSyncS|PausedSyncT|StartingSyncS|StartingSyncT|WFBitMapS|WFBitMapT|WFSyncUUID|VerifyS|VerifyT|Ahead|Behind)$/;
const CONNECTING_84 = /^(Unconnected|WFConnection|WFReportParams|Timeout|BrokenPipe|NetworkFailure|ProtocolError)$/;

export interface ProcDevice {
  readonly minor: number;
  /** The raw `cs:` value. */
  readonly cs: string;
  readonly role?: string;
  readonly peerRole?: string;
  readonly diskState?: string;
  readonly peerDiskState?: string;
  readonly syncPercent?: number;
}

/** Every device line of /proc/drbd (8.4), with the `sync'ed:` figure that follows a resyncing one. */
export function parseProcDrbd(text: string): ProcDevice[] {
  const out: ProcDevice[] = [];
  for (const line of text.split('\n')) {
    const dev = /^\s*(\d+): cs:(\S+)(?: ro:(\S+)\/(\S+))?(?: ds:(\S+)\/(\S+))?/.exec(line);
    if (dev) {
      out.push({ minor: Number(dev[1]), cs: dev[2]!, role: dev[3], peerRole: dev[4], diskState: dev[5], peerDiskState: dev[6] });
      continue;
    }
    const synced = /sync'ed:\s*([\d.]+)%/.exec(line);
    const last = out.at(-1);
    if (synced && last) out[out.length - 1] = { ...last, syncPercent: Number(synced[1]) };
  }
  return out;
}

/** The state of the 8.4 device `minor`, whose one peer is `peer`; undefined when the device is not configured. */
export function stateFrom84(devices: readonly ProcDevice[], minor: number, peer: string): ResourceState | undefined {
  const d = devices.find((x) => x.minor === minor);
  if (!d || d.cs === 'Unconfigured') return undefined;
  const connected = CONNECTED_84.test(d.cs);
  const connectionState = connected ? 'Connected' : CONNECTING_84.test(d.cs) ? 'Connecting' : d.cs;
  return {
    role: d.role ?? 'Unknown',
    diskState: d.diskState ?? 'Unknown',
    peers: [
      {
        node: peer,
        connectionState,
        role: d.peerRole ?? 'Unknown',
        diskState: d.peerDiskState ?? 'DUnknown',
        replicationState: connected ? (d.cs === 'Connected' ? 'Established' : d.cs) : 'Off',
        ...(d.syncPercent !== undefined ? { syncPercent: d.syncPercent } : {}),
      },
    ],
  };
}

// ---- DRBD 9: drbdsetup status --json ----

type Json = Record<string, unknown>;

const str = (o: Json, k: string, fallback = ''): string => (typeof o[k] === 'string' ? (o[k] as string) : fallback);
const num = (o: Json, k: string): number | undefined => (typeof o[k] === 'number' ? (o[k] as number) : undefined);
const arr = (o: Json, k: string): Json[] => (Array.isArray(o[k]) ? (o[k] as Json[]) : []);

/** `drbdsetup status --json RES` (drbd-utils 9: an array of resources); undefined when the resource is not up. */
export function stateFromJson(stdout: string, resource: string): ResourceState | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch (err) {
    throw new Error(`drbdsetup status --json printed something that is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc)) throw new Error('drbdsetup status --json did not print an array of resources');
  const r = (doc as Json[]).find((x) => str(x, 'name') === resource);
  if (!r) return undefined;
  const device = arr(r, 'devices')[0] ?? {};
  return {
    role: str(r, 'role', 'Unknown'),
    diskState: str(device, 'disk-state', 'Unknown'),
    peers: arr(r, 'connections').map((c) => {
      // drbd-utils spells this one key with an underscore.
      const pd = arr(c, 'peer_devices')[0] ?? {};
      const replicationState = str(pd, 'replication-state', 'Off');
      const percent = num(pd, 'percent-in-sync');
      return {
        node: str(c, 'name'),
        connectionState: str(c, 'connection-state', 'Unknown'),
        role: str(c, 'peer-role', 'Unknown'),
        diskState: str(pd, 'peer-disk-state', 'DUnknown'),
        replicationState,
        ...(percent !== undefined && SYNCING.test(replicationState) ? { syncPercent: percent } : {}),
      };
    }),
  };
}
