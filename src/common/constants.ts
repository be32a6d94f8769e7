// Names that Stratum's components, manifests and tests must agree on. One place for each.

export const API_GROUP = 'storage.stratum.dev';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

export const CSI_DRIVER_NAME = 'csi.stratum.dev';
export const TOPOLOGY_KEY = 'topology.stratum.dev/node';
/** StorageClass parameters the CSI controller reads (CreateVolume parameters). */
export const STORAGE_CLASS_PARAMETERS = { pool: 'pool', replicas: 'replicas', fsType: 'csi.storage.k8s.io/fstype' } as const;

/** Node label that asks Stratum to move every replica off the node. */
export const EVICT_NODE_LABEL = `${API_GROUP}/evict`;
/** Annotation that lets a LocalVolume be deleted although an agent cannot confirm its replica is gone. */
export const FORCE_DELETE_ANNOTATION = `${API_GROUP}/force-delete`;
/** Finalizer held by LocalVolume and VolumeReplica until their data is gone. */
export const FINALIZER = `${API_GROUP}/data-protection`;
/** LVM tag prefix that records the owning volume id on a logical volume. */
export const LVM_VOLUME_TAG_PREFIX = 'stratum.volume=';
/** LVM tag prefix that records the UID of the LocalVolume an LV was made for. */
export const LVM_OWNER_TAG_PREFIX = 'stratum.owner=';
/** LVM tag prefixes of a thin snapshot LV: its own id, and the volume it was taken of. */
export const LVM_SNAPSHOT_TAG_PREFIX = 'stratum.snapshot=';
export const LVM_SNAPSHOT_OF_TAG_PREFIX = 'stratum.snapshot-of=';

export const DEFAULT_NAMESPACE = 'stratum-system';
/** Labels on the agent DaemonSet's Pods; the operator discovers agents by them. */
export const AGENT_POD_LABELS = { 'app.kubernetes.io/name': 'stratum', 'app.kubernetes.io/component': 'agent' } as const;
export const OPERATOR_POD_LABELS = { 'app.kubernetes.io/name': 'stratum', 'app.kubernetes.io/component': 'operator' } as const;
/** Named container port of the agent's gRPC server. */
export const AGENT_GRPC_PORT_NAME = 'grpc';
export const AGENT_GRPC_PORT = 9443;
export const OPERATOR_METRICS_PORT = 8080;

/** Where kubelet looks for CSI plugin sockets and registrations on a node. */
export const KUBELET_DIR = '/var/lib/kubelet';
export const CSI_PLUGIN_DIR = `${KUBELET_DIR}/plugins/${CSI_DRIVER_NAME}`;
export const CSI_REGISTRATION_DIR = `${KUBELET_DIR}/plugins_registry`;
/** Where the agent keeps pool configuration and copy markers on the node. */
export const AGENT_STATE_DIR = '/var/lib/stratum';
/** Port of the agent's /healthz on the node (host network: clear of the 9808 other drivers' livenessprobe sidecars take). */
export const AGENT_HEALTH_PORT = 9818;
/** Port of the agent's /metrics on the node (host network, next to AGENT_HEALTH_PORT). */
export const AGENT_METRICS_PORT = 9819;
/**
 * The operator's name: its User-Agent towards the API server (so the field manager in managedFields
 * and audit logs), the component of its Events, the managed-by label of what it makes, and the name
 * of its Deployment, ServiceAccount, RBAC objects and leader lease.
 */
export const OPERATOR_NAME = 'stratum-operator';
/** The label on what the operator makes (StorageClasses, CSIStorageCapacities) and selects by. */
export const MANAGED_BY_OPERATOR = { 'app.kubernetes.io/managed-by': OPERATOR_NAME } as const;
/** Secret with the CA that signs every Stratum certificate (tls.crt, tls.key, ca.crt = trust bundle). */
export const CA_SECRET = 'stratum-ca';
/** ConfigMap with the trust bundle (ca.crt) the agents mount: public, so agents need no Secret. */
export const TRUST_BUNDLE_CONFIGMAP = 'stratum-ca-bundle';
/** Secret with the operator's own certificate when cert-manager issues it. */
export const OPERATOR_TLS_SECRET = 'stratum-operator-tls';
/** Audience of the ServiceAccount token an agent presents to ask for its certificates. */
export const AGENT_TOKEN_AUDIENCE = 'stratum.dev/agent';
/** ServiceAccount of the agent pods: the only accounts whose tokens the bootstrap accepts. */
export const AGENT_SERVICE_ACCOUNT = 'stratum-agent';
/** The operator's certificate endpoint for agents (HTTPS), and the Service in front of it. */
export const OPERATOR_BOOTSTRAP_PORT = 9444;
export const OPERATOR_SERVICE = 'stratum-operator';
export const AGENT_CERTIFICATES_PATH = '/v1/agent-certificates';

/** Prefix of every DRBD resource Stratum writes (`stratum-<volume id>`), so its resources are told apart from others on the node. */
export const DRBD_RESOURCE_PREFIX = 'stratum-';
/** First DRBD minor Stratum hands out (/dev/drbd1000 and up), clear of minors set up by hand. */
export const DRBD_MINOR_BASE = 1000;
/** Largest DRBD minor (the kernel's limit is 2^20 - 1). */
export const DRBD_MINOR_MAX = 1_048_575;
/** Label on a VolumeReplica naming its LocalVolume, for `kubectl get vr -l`. */
export const VOLUME_LABEL = `${API_GROUP}/volume`;
/**
 * How often the process metrics sample the event loop's delay. prom-client's default, 10 ms, wakes
 * an otherwise idle process 100 times a second — most of an idle agent's CPU, on every node; a
 * loop blocked for longer than 100 ms still shows.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;
