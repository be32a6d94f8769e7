// CreateVolume's request → the LocalVolume it asks for. Pure, so every refusal is unit-tested:
// names, capacity range, capabilities, StorageClass parameters and topology.
import { createHash } from 'node:crypto';
import { status as Status } from '@grpc/grpc-js';
import { API_GROUP, STORAGE_CLASS_PARAMETERS, TOPOLOGY_KEY } from '../../common/constants.ts';
import { formatBytes } from '../../api/quantity.ts';
import { FS_MINIMUM_BYTES, FS_TYPES, MAX_REPLICAS, type FsType, type LocalVolumeSpec } from '../../api/localvolume.ts';
import type { CreateVolumeRequest__Output } from '../../csi/api/generated/csi/v1/CreateVolumeRequest.ts';
import type { CapacityRange__Output } from '../../csi/api/generated/csi/v1/CapacityRange.ts';
import type { TopologyRequirement__Output } from '../../csi/api/generated/csi/v1/TopologyRequirement.ts';
import { accessKind, capabilityProblem } from '../../csi/access.ts';
import { CsiError, invalid } from '../../csi/errors.ts';

/** Size of a volume whose request names no capacity. */
export const DEFAULT_VOLUME_BYTES = 1024n ** 3n;
/** Annotation keeping the CSI name a LocalVolume was made for (its name may be a hash of it). */
export const CSI_NAME_ANNOTATION = `${API_GROUP}/csi-name`;
/** Parameters csi-provisioner adds with --extra-create-metadata. */
export const PVC_NAME_PARAMETER = 'csi.storage.k8s.io/pvc/name';
export const PVC_NAMESPACE_PARAMETER = 'csi.storage.k8s.io/pvc/namespace';
/** The prefix Kubernetes reserves for its own parameters; they are never refused. */
const RESERVED_PREFIX = 'csi.storage.k8s.io/';
/** Also accepted as `fsType` (the name in LocalVolume's spec). */
const FS_TYPE_PARAMETER = 'fsType';
const KNOWN_PARAMETERS = new Set<string>([STORAGE_CLASS_PARAMETERS.pool, STORAGE_CLASS_PARAMETERS.replicas, FS_TYPE_PARAMETER]);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_NAME = 63;

/**
 * The LocalVolume (and agent volume id) for a CSI name. csi-provisioner's `pvc-<uuid>` is used as
 * it is; any other name (the spec allows up to 128 arbitrary bytes, csi-sanity sends upper-case)
 * becomes `csi-<hash>`, so the same name always maps to the same object and retries stay idempotent.
 */
export function volumeName(csiName: string): string {
  if (csiName.length <= MAX_NAME && DNS_LABEL.test(csiName) && !/^(snapshot|pvmove)/.test(csiName)) return csiName;
  return `csi-${createHash('sha256').update(csiName).digest('hex').slice(0, 40)}`;
}

/** Could `id` be a LocalVolume name at all? Ids that cannot are simply not found. */
export function isVolumeName(id: string): boolean {
  return id.length <= MAX_NAME && DNS_LABEL.test(id);
}

/**
 * Bytes wanted for a capacity range: required, else the default capped at the limit; raised to
 * `minimum` (what the volume's filesystem needs, named by `what`) when the limit allows.
 */
export function sizeFor(range: CapacityRange__Output | null, minimum = 0n, what = 'the volume'): bigint {
  const required = BigInt(range?.requiredBytes || '0');
  const limit = BigInt(range?.limitBytes || '0');
  if (required < 0n || limit < 0n) throw new CsiError(Status.OUT_OF_RANGE, 'capacity_range bytes must not be negative');
  if (limit && required > limit)
    throw new CsiError(Status.OUT_OF_RANGE, `capacity_range: required_bytes ${required} exceeds limit_bytes ${limit}`);
  const wanted = required || (limit && limit < DEFAULT_VOLUME_BYTES ? limit : DEFAULT_VOLUME_BYTES);
  if (wanted >= minimum) return wanted;
  if (limit && limit < minimum)
    throw new CsiError(Status.OUT_OF_RANGE, `${what} needs at least ${minimum} bytes; capacity_range limit_bytes ${limit} is below it`);
  return minimum;
}

/** Does a volume of `bytes` satisfy the range? */
export function fitsRange(bytes: bigint, range: CapacityRange__Output | null): boolean {
  const required = BigInt(range?.requiredBytes || '0');
  const limit = BigInt(range?.limitBytes || '0');
  return bytes >= required && (!limit || bytes <= limit);
}

/** Node names from topology: preferred first (the scheduler's pick leads), then requisite. */
export function topologyNodes(req: TopologyRequirement__Output | null): string[] {
  const nodes: string[] = [];
  for (const t of [...(req?.preferred ?? []), ...(req?.requisite ?? [])]) {
    const keys = Object.keys(t.segments);
    const node = t.segments[TOPOLOGY_KEY];
    if (!node || keys.length !== 1) throw invalid(`topology segment ${JSON.stringify(t.segments)} is not {"${TOPOLOGY_KEY}": <node>}`);
    if (!nodes.includes(node)) nodes.push(node);
  }
  return nodes;
}

export interface CsiVolumeRequest {
  /** LocalVolume name = CSI volume_id. */
  readonly name: string;
  readonly csiName: string;
  readonly sizeBytes: bigint;
  readonly spec: LocalVolumeSpec;
}

export function parseCreateVolume(req: CreateVolumeRequest__Output): CsiVolumeRequest {
  if (!req.name) throw invalid('name is required');
  if (!req.volumeCapabilities.length) throw invalid('volume_capabilities are required');
  for (const cap of req.volumeCapabilities) {
    const problem = capabilityProblem(cap);
    if (problem) throw invalid(problem);
  }
  const kinds = new Set(req.volumeCapabilities.map(accessKind));
  if (kinds.size > 1) throw invalid('volume_capabilities ask for both block and mount access: a volume is one or the other');
  const params = req.parameters;
  for (const key of Object.keys(params)) {
    if (!KNOWN_PARAMETERS.has(key) && !key.startsWith(RESERVED_PREFIX)) {
      throw invalid(`unknown parameter ${JSON.stringify(key)} (known: ${[...KNOWN_PARAMETERS].join(', ')})`);
    }
  }
  const pool = params[STORAGE_CLASS_PARAMETERS.pool];
  if (!pool) throw invalid(`parameter "${STORAGE_CLASS_PARAMETERS.pool}" is required: the StoragePool to draw from`);
  if (!DNS_LABEL.test(pool) || pool.length > MAX_NAME) throw invalid(`parameter pool ${JSON.stringify(pool)} is not a StoragePool name`);
  const replicasText = params[STORAGE_CLASS_PARAMETERS.replicas] ?? '1';
  const replicas = Number(replicasText);
  if (!/^\d+$/.test(replicasText) || replicas < 1 || replicas > MAX_REPLICAS)
    throw invalid(`parameter replicas ${JSON.stringify(replicasText)} must be 1 to ${MAX_REPLICAS}`);
  const block = kinds.has('block');
  const fsType =
    req.volumeCapabilities.find((c) => c.mount?.fsType)?.mount?.fsType ||
    params[FS_TYPE_PARAMETER] ||
    params[STORAGE_CLASS_PARAMETERS.fsType] ||
    'ext4';
  if (!(FS_TYPES as readonly string[]).includes(fsType))
    throw invalid(`filesystem type ${JSON.stringify(fsType)} is not supported (supported: ${FS_TYPES.join(', ')})`);
  // A filesystem volume is made at least as large as its filesystem can be (xfs: 300 MiB).
  const sizeBytes = block
    ? sizeFor(req.capacityRange)
    : sizeFor(req.capacityRange, FS_MINIMUM_BYTES[fsType as FsType], `an ${fsType} filesystem`);
  const nodes = topologyNodes(req.accessibilityRequirements);
  // The scheduler's node leads; further nodes only matter as homes for further replicas.
  const accessible = nodes.slice(0, Math.min(replicas, MAX_REPLICAS));
  const pvcName = params[PVC_NAME_PARAMETER];
  const pvcNamespace = params[PVC_NAMESPACE_PARAMETER];
  const spec: LocalVolumeSpec = {
    pool,
    size: formatBytes(sizeBytes),
    replicas,
    volumeMode: block ? 'Block' : 'Filesystem',
    fsType: fsType as FsType,
    consistency: 'sync',
    ...(accessible.length ? { accessibility: { nodes: accessible } } : {}),
    ...(pvcName && pvcNamespace ? { pvcRef: { namespace: pvcNamespace, name: pvcName } } : {}),
  };
  return { name: volumeName(req.name), csiName: req.name, sizeBytes, spec };
}

/** ListVolumes tokens: the name the previous page ended with, so a deleted entry does not shift pages. */
export function encodeToken(lastName: string): string {
  return `after:${lastName}`;
}

export function decodeToken(token: string): string {
  if (!token) return '';
  if (!token.startsWith('after:') || !isVolumeName(token.slice('after:'.length)))
    throw new CsiError(Status.ABORTED, `starting_token ${JSON.stringify(token)} was not issued by this plugin`);
  return token.slice('after:'.length);
}
