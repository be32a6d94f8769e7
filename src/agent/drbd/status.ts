// DRBD status, parsed from `drbdsetup status --json` (the machine format) or from the text of
// `drbdadm status`, and reduced to what Stratum reports: sync percent and "all replicas in sync".

export interface DrbdVolumeStatus {
  readonly volume: number;
  readonly minor?: number;
  /** UpToDate, Inconsistent, Outdated, Diskless, … */
  readonly diskState: string;
}

export interface DrbdPeerVolumeStatus {
  readonly volume: number;
  /** Established, SyncSource, SyncTarget, Off, … */
  readonly replicationState: string;
  readonly peerDiskState: string;
  /** Present in the JSON always, in the text only while a resync or verify runs (`done:`). */
  readonly percentInSync?: number;
}

export interface PeerStatus {
  readonly name: string;
  readonly nodeId?: number;
  /** Connected, Connecting, StandAlone, … */
  readonly connectionState: string;
  readonly role?: string;
  readonly volumes: readonly DrbdPeerVolumeStatus[];
}

export interface ResourceStatus {
  readonly name: string;
  readonly role: string;
  readonly volumes: readonly DrbdVolumeStatus[];
  readonly peers: readonly PeerStatus[];
}

type Json = Record<string, unknown>;

const str = (o: Json, k: string, fallback = ''): string => (typeof o[k] === 'string' ? (o[k] as string) : fallback);
const num = (o: Json, k: string): number | undefined => (typeof o[k] === 'number' ? (o[k] as number) : undefined);
const arr = (o: Json, k: string): Json[] => (Array.isArray(o[k]) ? (o[k] as Json[]) : []);

/** Parses `drbdsetup status --json` (drbd-utils 9: an array of resources). */
export function parseStatusJson(stdout: string): ResourceStatus[] {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch (err) {
    throw new Error(`drbdsetup status --json printed something that is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc)) throw new Error('drbdsetup status --json did not print an array of resources');
  return (doc as Json[]).map((r) => ({
    name: str(r, 'name'),
    role: str(r, 'role', 'Unknown'),
    volumes: arr(r, 'devices').map((d) => ({ volume: num(d, 'volume') ?? 0, minor: num(d, 'minor'), diskState: str(d, 'disk-state', 'Unknown') })),
    peers: arr(r, 'connections').map((c) => ({
      name: str(c, 'name'),
      nodeId: num(c, 'peer-node-id'),
      connectionState: str(c, 'connection-state', 'Unknown'),
      role: str(c, 'peer-role') || undefined,
      // drbd-utils spells this one key with an underscore.
      volumes: arr(c, 'peer_devices').map((p) => ({
        volume: num(p, 'volume') ?? 0,
        replicationState: str(p, 'replication-state', 'Unknown'),
        peerDiskState: str(p, 'peer-disk-state', 'Unknown'),
        percentInSync: num(p, 'percent-in-sync'),
      })),
    })),
  }));
}

function fields(line: string): { head?: string; kv: Map<string, string> } {
  const kv = new Map<string, string>();
  let head: string | undefined;
  for (const token of line.trim().split(/\s+/)) {
    const i = token.indexOf(':');
    if (i > 0) kv.set(token.slice(0, i), token.slice(i + 1));
    else head ??= token;
  }
  return { head, kv };
}

interface MutablePeer { name: string; connectionState: string; role?: string; volumes: DrbdPeerVolumeStatus[] }
interface MutableResource { name: string; role: string; volumes: DrbdVolumeStatus[]; peers: MutablePeer[] }

/**
 * Parses the text of `drbdadm status` / `drbdsetup status`: a resource line at column 0, local
 * volume lines and peer lines indented by 2, peer volume lines by 4. States that are normal are
 * left out of the text (no `connection:` when Connected, no `replication:` when Established).
 */
export function parseStatusText(stdout: string): ResourceStatus[] {
  const out: MutableResource[] = [];
  for (const raw of stdout.split('\n')) {
    if (!raw.trim()) continue;
    const indent = raw.length - raw.trimStart().length;
    const { head, kv } = fields(raw);
    const res = out.at(-1);
    if (indent === 0) {
      if (!head) throw new Error(`drbd status: resource line without a name: ${JSON.stringify(raw)}`);
      out.push({ name: head, role: kv.get('role') ?? 'Unknown', volumes: [], peers: [] });
    } else if (!res) {
      throw new Error(`drbd status: indented line before any resource: ${JSON.stringify(raw)}`);
    } else if (indent <= 2 && head === undefined) {
      res.volumes.push({ volume: Number(kv.get('volume') ?? 0), diskState: kv.get('disk') ?? 'Unknown' });
    } else if (indent <= 2) {
      res.peers.push({ name: head as string, connectionState: kv.get('connection') ?? 'Connected', role: kv.get('role'), volumes: [] });
    } else {
      const peer = res.peers.at(-1);
      if (!peer) throw new Error(`drbd status: peer volume line before any peer: ${JSON.stringify(raw)}`);
      const done = kv.get('done');
      peer.volumes.push({
        volume: Number(kv.get('volume') ?? 0),
        replicationState: kv.get('replication') ?? 'Established',
        peerDiskState: kv.get('peer-disk') ?? 'Unknown',
        ...(done !== undefined ? { percentInSync: Number(done) } : {}),
      });
    }
  }
  return out;
}

/**
 * How far the resource is in sync, 0–100: the lowest figure over the local disks (UpToDate is
 * 100; a sync target counts the progress its source reports; anything else 0) and over every
 * peer volume (its percent-in-sync, else 100 when the peer's disk is UpToDate, else 0; an
 * unconnected peer 0).
 */
export function syncPercent(r: ResourceStatus): number {
  const peerVolumes = r.peers.flatMap((p) => p.volumes);
  const local = r.volumes.map((v) => {
    if (v.diskState === 'UpToDate') return 100;
    const progress = peerVolumes.filter((p) => p.volume === v.volume && p.replicationState === 'SyncTarget').map((p) => p.percentInSync ?? 0);
    return progress.length ? Math.max(...progress) : 0;
  });
  // A peer without volume lines is not connected: nothing of it is known to be in sync.
  const peers = r.peers.flatMap((peer) => (peer.volumes.length ? peer.volumes.map((p) => p.percentInSync ?? (p.peerDiskState === 'UpToDate' ? 100 : 0)) : [0]));
  const all = [...local, ...peers];
  return all.length ? Math.min(...all) : 0;
}

/** Every local disk and every peer's disk UpToDate over a Connected link. */
export function inSync(r: ResourceStatus): boolean {
  return r.volumes.length > 0 && r.volumes.every((v) => v.diskState === 'UpToDate')
    && r.peers.every((p) => p.connectionState === 'Connected' && p.volumes.length > 0 && p.volumes.every((v) => v.peerDiskState === 'UpToDate'));
}
