// A DRBD resource for one volume with 2 replicas (DRBD 8.4) or 2–3 (DRBD 9), checked field by field before anything is
// rendered: every value ends up in a config file that drbdadm parses, so each is held to a
// narrow alphabet and a refusal names the field and the value.
import { isIP } from 'node:net';
import { DRBD_MINOR_MAX, DRBD_RESOURCE_PREFIX } from '../../common/constants.ts';
import { invalidArgument } from '../../agent-api/errors.ts';
import { checkName } from '../validate.ts';
import { MAX_REPLICAS } from '../../api/localvolume.ts';
import type { DrbdFlavour } from './version.ts';

/** C waits for the peer's disk (sync), A only for the local disk and the send buffer (async). */
export type DrbdProtocol = 'A' | 'C';
export type Consistency = 'sync' | 'async';

export interface DrbdNodeSpec {
  /** The host's name as drbdadm sees it (`uname -n`), which picks the `on` section to use. */
  readonly name: string;
  /** DRBD node id, unique in the resource (0–31). */
  readonly nodeId: number;
  /** IPv4 or IPv6 address the replication link listens on. */
  readonly address: string;
  /** Backing block device on that host. */
  readonly disk: string;
  /** DRBD's metadata device on that host (external metadata: the data device holds only data). */
  readonly metaDisk: string;
  /** Minor of /dev/drbdN on that host. */
  readonly minor: number;
}

export interface DrbdResourceSpec {
  /** The config dialect: the node's DRBD. */
  readonly flavour: DrbdFlavour;
  readonly volumeId: string;
  readonly port: number;
  readonly protocol: DrbdProtocol;
  readonly nodes: readonly DrbdNodeSpec[];
}

export interface DrbdResource extends DrbdResourceSpec {
  /** DRBD resource name, derived from the volume id. */
  readonly name: string;
}

/** Replication needs a peer; the upper bound is the volume's own (spec.replicas). */
export const MIN_REPLICAS = 2;

/** DRBD 9 takes as many replicas as a volume may have; 8.4 connects exactly two. */
export function maxReplicasOf(flavour: DrbdFlavour): number {
  return flavour === '8.4' ? 2 : MAX_REPLICAS;
}
const MAX_NODE_ID = 31;
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const DEVICE_PATH = /^\/[A-Za-z0-9._/+:@-]+$/;

export function resourceNameFor(volumeId: string): string {
  return `${DRBD_RESOURCE_PREFIX}${checkName('volume', volumeId)}`;
}

export function protocolFor(consistency: Consistency): DrbdProtocol {
  return consistency === 'async' ? 'A' : 'C';
}

export function checkProtocol(value: string): DrbdProtocol {
  if (value === 'A' || value === 'C') return value;
  throw invalidArgument(`DRBD protocol ${JSON.stringify(value)} is not supported: "C" (sync) or "A" (async)`);
}

function checkInt(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw invalidArgument(`${what} ${JSON.stringify(value)} must be a whole number from ${min} to ${max}`);
}

function checkNode(resource: string, n: DrbdNodeSpec): void {
  const where = `resource ${resource}, node ${JSON.stringify(n.name)}`;
  if (!HOST_NAME.test(n.name)) throw invalidArgument(`resource ${resource}: node name ${JSON.stringify(n.name)} is not a host name`);
  checkInt(`${where}: node id`, n.nodeId, 0, MAX_NODE_ID);
  if (isIP(n.address) === 0) throw invalidArgument(`${where}: address ${JSON.stringify(n.address)} is not an IP address`);
  for (const [what, dev] of [
    ['backing device', n.disk],
    ['metadata device', n.metaDisk],
  ] as const) {
    if (!DEVICE_PATH.test(dev) || dev.split('/').includes('..'))
      throw invalidArgument(`${where}: ${what} ${JSON.stringify(dev)} is not an absolute device path`);
  }
  checkInt(`${where}: minor`, n.minor, 0, DRBD_MINOR_MAX);
}

function checkUnique(resource: string, what: string, values: readonly (string | number)[]): void {
  const dup = values.find((v, i) => values.indexOf(v) !== i);
  if (dup !== undefined) throw invalidArgument(`resource ${resource}: ${what} ${JSON.stringify(dup)} is given to more than one node`);
}

export function checkResourceSpec(spec: DrbdResourceSpec): DrbdResource {
  const name = resourceNameFor(spec.volumeId);
  checkInt(`resource ${name}: port`, spec.port, 1, 65_535);
  checkProtocol(spec.protocol);
  const max = maxReplicasOf(spec.flavour);
  if (spec.nodes.length < MIN_REPLICAS || spec.nodes.length > max) {
    throw invalidArgument(
      `resource ${name}: ${spec.nodes.length} replicas given, DRBD ${spec.flavour} replication needs ${MIN_REPLICAS} to ${max}`,
    );
  }
  for (const n of spec.nodes) checkNode(name, n);
  checkUnique(
    name,
    'node name',
    spec.nodes.map((n) => n.name),
  );
  checkUnique(
    name,
    'node id',
    spec.nodes.map((n) => n.nodeId),
  );
  checkUnique(
    name,
    'address',
    spec.nodes.map((n) => n.address),
  );
  return { ...spec, name, nodes: [...spec.nodes].sort((a, b) => a.nodeId - b.nodeId) };
}
