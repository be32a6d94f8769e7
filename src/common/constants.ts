// Names that Stratum's components, manifests and tests must agree on. One place for each.

export const API_GROUP = 'storage.stratum.dev';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

export const CSI_DRIVER_NAME = 'csi.stratum.dev';
export const TOPOLOGY_KEY = 'topology.stratum.dev/node';

/** Node label that asks Stratum to move every replica off the node. */
export const EVICT_NODE_LABEL = `${API_GROUP}/evict`;
/** Annotation that lets a LocalVolume be deleted although an agent cannot confirm its replica is gone. */
export const FORCE_DELETE_ANNOTATION = `${API_GROUP}/force-delete`;
/** Finalizer held by LocalVolume and VolumeReplica until their data is gone. */
export const FINALIZER = `${API_GROUP}/data-protection`;
/** LVM tag prefix that records the owning volume id on a logical volume. */
export const LVM_VOLUME_TAG_PREFIX = 'stratum.volume=';

export const DEFAULT_NAMESPACE = 'stratum-system';
/** Labels on the agent DaemonSet's Pods; the operator discovers agents by them. */
export const AGENT_POD_LABELS = { 'app.kubernetes.io/name': 'stratum', 'app.kubernetes.io/component': 'agent' } as const;
export const OPERATOR_POD_LABELS = { 'app.kubernetes.io/name': 'stratum', 'app.kubernetes.io/component': 'operator' } as const;
/** Named container port of the agent's gRPC server. */
export const AGENT_GRPC_PORT_NAME = 'grpc';
export const AGENT_GRPC_PORT = 9443;
export const OPERATOR_METRICS_PORT = 8080;
export const AGENT_METRICS_PORT = 8081;
