// The operator Deployment (reconcilers + CSI controller + provisioner/resizer/snapshotter sidecars)
// and the agent DaemonSet (the agent alone: it registers its CSI driver with the kubelet and answers
// the liveness probe itself, where CSI drivers usually run node-driver-registrar and livenessprobe),
// the operator's metrics Service and the Service in front of its agent-certificate endpoint.
import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import {
  AGENT_GRPC_PORT,
  AGENT_GRPC_PORT_NAME,
  AGENT_HEALTH_PORT,
  AGENT_METRICS_PORT,
  AGENT_POD_LABELS,
  AGENT_STATE_DIR,
  AGENT_TOKEN_AUDIENCE,
  CSI_PLUGIN_DIR,
  CSI_REGISTRATION_DIR,
  KUBELET_DIR,
  OPERATOR_BOOTSTRAP_PORT,
  OPERATOR_NAME,
  OPERATOR_METRICS_PORT,
  OPERATOR_POD_LABELS,
  OPERATOR_SERVICE,
  OPERATOR_TLS_SECRET,
  TRUST_BUNDLE_CONFIGMAP,
} from '../common/constants.ts';
import type { ResolvedConfig } from './config.ts';
import { SIDECAR_IMAGES, stratumImage } from './images.ts';
import { METRICS_SERVICE_LABELS } from './labels.ts';
import type { Accounts } from './rbac.ts';

const CSI_SOCKET_DIR = '/csi';
const CSI_ADDRESS = `${CSI_SOCKET_DIR}/csi.sock`;
const TLS_DIR = '/etc/stratum/tls';
/** The agent's trust bundle (ConfigMap), its own certificates (memory), its projected token. */
const AGENT_CA_DIR = '/etc/stratum/ca';
const AGENT_TLS_DIR = '/run/stratum/tls';
const AGENT_TOKEN_DIR = '/var/run/secrets/stratum.dev/agent';
/** An hour; kubelet renews the token at 80 % of that, and the agent re-reads it for every request. */
const AGENT_TOKEN_SECONDS = 3600;

/**
 * csi-provisioner's own API client limits: its defaults (5 requests/s, bursts of 10) let a burst of
 * claims wait on the sidecar, not on Stratum. The tests and benchmarks run it with these too.
 */
export const PROVISIONER_RATE_ARGS = [
  '--kube-api-qps=50',
  '--kube-api-burst=100',
  '--kube-api-capacity-qps=20',
  '--kube-api-capacity-burst=40',
] as const;

const sidecarResources: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(200) },
  memory: { request: Size.mebibytes(32), limit: Size.mebibytes(128) },
};
/** Operator containers: non-root, read-only, no escalation. */
const restricted: kplus.ContainerSecurityContextProps = {
  ensureNonRoot: true,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
};
/** Tags are pinned, so a present image is the right one. */
const pull = kplus.ImagePullPolicy.IF_NOT_PRESENT;

function selectPods(workload: kplus.Deployment | kplus.DaemonSet, labels: Record<string, string>): void {
  workload.select(kplus.LabelSelector.of({ labels }));
}

export function createOperator(scope: Construct, config: ResolvedConfig, accounts: Accounts): kplus.Deployment {
  const ns = config.namespace;
  const socketDir = kplus.Volume.fromEmptyDir(scope, 'operator-socket-dir', 'socket-dir');
  // With cert-manager, the operator's certificate is a Secret cert-manager renews; else it issues its own in memory.
  const external = Boolean(config.certManagerIssuer);
  const tls = external
    ? kplus.Volume.fromSecret(scope, 'operator-tls', kplus.Secret.fromSecretName(scope, 'operator-tls-secret', OPERATOR_TLS_SECRET), {
        name: 'tls',
      })
    : undefined;
  const certificateArgs = external ? ['--certificates=external', `--tls-dir=${TLS_DIR}`] : ['--certificates=managed'];
  const podEnv = {
    POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
    NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
  };
  // The CSI sidecars beside the operator: each on the controller socket, leader-elected among the replicas.
  const sidecar = (name: string, image: string, args: readonly string[] = []): kplus.ContainerProps => ({
    name,
    image,
    args: [`--csi-address=${CSI_ADDRESS}`, '--leader-election', `--leader-election-namespace=${ns}`, '--timeout=120s', ...args],
    envVariables: podEnv,
    resources: sidecarResources,
    securityContext: restricted,
    imagePullPolicy: pull,
    volumeMounts: [{ path: CSI_SOCKET_DIR, volume: socketDir }],
  });
  const deployment = new kplus.Deployment(scope, 'operator', {
    metadata: { name: OPERATOR_NAME, namespace: ns, labels: { ...OPERATOR_POD_LABELS } },
    podMetadata: { labels: { ...OPERATOR_POD_LABELS } },
    select: false,
    spread: false,
    replicas: config.operatorReplicas,
    serviceAccount: accounts.operator,
    automountServiceAccountToken: true,
    securityContext: { ensureNonRoot: true, user: 65532, group: 65532 },
    terminationGracePeriod: Duration.seconds(30),
    volumes: [socketDir, ...(tls ? [tls] : [])],
    containers: [
      {
        name: 'operator',
        image: stratumImage(config),
        imagePullPolicy: pull,
        command: ['stratum-operator'],
        args: [
          '--leader-elect',
          `--csi-endpoint=unix://${CSI_ADDRESS}`,
          `--metrics-address=:${OPERATOR_METRICS_PORT}`,
          `--log-level=${config.logLevel}`,
          ...certificateArgs,
          `--bootstrap-address=:${OPERATOR_BOOTSTRAP_PORT}`,
        ],
        envVariables: podEnv,
        ports: [
          { number: OPERATOR_METRICS_PORT, name: 'metrics' },
          { number: OPERATOR_BOOTSTRAP_PORT, name: 'certificates' },
        ],
        startup: startupProbe(OPERATOR_METRICS_PORT),
        liveness: livenessProbe(OPERATOR_METRICS_PORT),
        readiness: kplus.Probe.fromHttpGet('/readyz', {
          port: OPERATOR_METRICS_PORT,
          periodSeconds: Duration.seconds(5),
          timeoutSeconds: PROBE_TIMEOUT,
        }),
        resources: {
          cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
          memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) },
        },
        securityContext: restricted,
        volumeMounts: [{ path: CSI_SOCKET_DIR, volume: socketDir }, ...(tls ? [{ path: TLS_DIR, volume: tls, readOnly: true }] : [])],
      },
      sidecar('csi-provisioner', SIDECAR_IMAGES.provisioner, [
        '--feature-gates=Topology=true',
        '--enable-capacity',
        '--capacity-ownerref-level=2',
        '--extra-create-metadata',
        '--default-fstype=ext4',
        ...PROVISIONER_RATE_ARGS,
      ]),
      sidecar('csi-resizer', SIDECAR_IMAGES.resizer),
      // VolumeSnapshotContents → CreateSnapshot/DeleteSnapshot (thin pools); the cluster's
      // snapshot-controller and the VolumeSnapshot CRDs come with the cluster, not this install.
      sidecar('csi-snapshotter', SIDECAR_IMAGES.snapshotter),
    ],
  });
  selectPods(deployment, OPERATOR_POD_LABELS);

  new kplus.k8s.KubePodDisruptionBudget(scope, 'operator-pdb', {
    metadata: { name: OPERATOR_NAME, namespace: ns },
    spec: { minAvailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: { ...OPERATOR_POD_LABELS } } },
  });
  metricsService(scope, 'operator-metrics', ns, 'stratum-operator-metrics', OPERATOR_POD_LABELS, OPERATOR_METRICS_PORT);
  // Every operator replica serves agent certificates (not only the leader), so the Service always
  // has an endpoint; also while a replica is not Ready (its CSI sidecars still starting, say): the
  // agents need their certificates before the operator can be of any other use.
  new kplus.k8s.KubeService(scope, 'operator-certificates', {
    metadata: { name: OPERATOR_SERVICE, namespace: ns, labels: { ...OPERATOR_POD_LABELS } },
    spec: {
      selector: { ...OPERATOR_POD_LABELS },
      publishNotReadyAddresses: true,
      ports: [{ name: 'certificates', port: OPERATOR_BOOTSTRAP_PORT, targetPort: kplus.k8s.IntOrString.fromString('certificates') }],
    },
  });
  return deployment;
}

export function createAgent(scope: Construct, config: ResolvedConfig, accounts: Accounts): kplus.DaemonSet {
  const ns = config.namespace;
  const host = (id: string, path: string, type: kplus.HostPathVolumeType) =>
    kplus.Volume.fromHostPath(scope, `agent-${id}`, id, { path, type });
  const dev = host('dev', '/dev', kplus.HostPathVolumeType.DIRECTORY);
  const sys = host('sys', '/sys', kplus.HostPathVolumeType.DIRECTORY);
  const udev = host('run-udev', '/run/udev', kplus.HostPathVolumeType.DIRECTORY_OR_CREATE);
  const lvm = host('etc-lvm', '/etc/lvm', kplus.HostPathVolumeType.DIRECTORY_OR_CREATE);
  const state = host('state', AGENT_STATE_DIR, kplus.HostPathVolumeType.DIRECTORY_OR_CREATE);
  const kubelet = host('kubelet-dir', KUBELET_DIR, kplus.HostPathVolumeType.DIRECTORY);
  const pluginDir = host('plugin-dir', CSI_PLUGIN_DIR, kplus.HostPathVolumeType.DIRECTORY_OR_CREATE);
  const trust = kplus.Volume.fromConfigMap(
    scope,
    'agent-ca',
    kplus.ConfigMap.fromConfigMapName(scope, 'agent-ca-bundle', TRUST_BUNDLE_CONFIGMAP),
    { name: 'ca' },
  );
  const tls = kplus.Volume.fromEmptyDir(scope, 'agent-tls', 'tls', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.mebibytes(1) });

  const daemonSet = new kplus.DaemonSet(scope, 'agent', {
    metadata: { name: 'stratum-agent', namespace: ns, labels: { ...AGENT_POD_LABELS } },
    podMetadata: { labels: { ...AGENT_POD_LABELS } },
    select: false,
    serviceAccount: accounts.agent,
    automountServiceAccountToken: false,
    // DRBD replicates between node addresses, so the agent lives in the node's network.
    hostNetwork: true,
    dns: { policy: kplus.DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET },
    securityContext: { ensureNonRoot: false },
    terminationGracePeriod: Duration.seconds(30),
    volumes: [dev, sys, udev, lvm, state, kubelet, pluginDir, trust, tls],
    containers: [
      {
        name: 'agent',
        image: stratumImage(config),
        command: ['stratum-agent'],
        // The agent's flags as environment variables (stratum-agent --help lists them).
        envVariables: {
          NODE_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.NODE_NAME),
          POD_IP: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_IP),
          STRATUM_AGENT_LISTEN: kplus.EnvValue.fromValue(`$(POD_IP):${AGENT_GRPC_PORT}`),
          STRATUM_AGENT_METRICS_LISTEN: kplus.EnvValue.fromValue(`$(POD_IP):${AGENT_METRICS_PORT}`),
          STRATUM_AGENT_HEALTH_LISTEN: kplus.EnvValue.fromValue(`$(POD_IP):${AGENT_HEALTH_PORT}`),
          STRATUM_TLS_CA: kplus.EnvValue.fromValue(`${AGENT_CA_DIR}/ca.crt`),
          STRATUM_TLS_CERT: kplus.EnvValue.fromValue(`${AGENT_TLS_DIR}/tls.crt`),
          STRATUM_TLS_KEY: kplus.EnvValue.fromValue(`${AGENT_TLS_DIR}/tls.key`),
          STRATUM_BOOTSTRAP_URL: kplus.EnvValue.fromValue(`https://${OPERATOR_SERVICE}.${ns}.svc:${OPERATOR_BOOTSTRAP_PORT}`),
          STRATUM_BOOTSTRAP_TOKEN_FILE: kplus.EnvValue.fromValue(`${AGENT_TOKEN_DIR}/token`),
          STRATUM_STATE_DIR: kplus.EnvValue.fromValue(AGENT_STATE_DIR),
          LVM_SYSTEM_DIR: kplus.EnvValue.fromValue('/etc/lvm'),
          STRATUM_CSI_ENDPOINT: kplus.EnvValue.fromValue(`unix://${CSI_ADDRESS}`),
          // The registration dir is inside the kubelet-dir mount, at the host's own path; the kubelet
          // finds the CSI socket (CSI_ADDRESS here) in the host's plugin dir.
          STRATUM_KUBELET_REGISTRATION_DIR: kplus.EnvValue.fromValue(CSI_REGISTRATION_DIR),
          STRATUM_KUBELET_CSI_ENDPOINT: kplus.EnvValue.fromValue(`${CSI_PLUGIN_DIR}/csi.sock`),
          STRATUM_LOG_LEVEL: kplus.EnvValue.fromValue(config.logLevel),
        },
        ports: [
          { number: AGENT_GRPC_PORT, name: AGENT_GRPC_PORT_NAME },
          { number: AGENT_METRICS_PORT, name: 'metrics' },
          { number: AGENT_HEALTH_PORT, name: 'healthz' },
        ],
        startup: startupProbe(AGENT_HEALTH_PORT),
        liveness: livenessProbe(AGENT_HEALTH_PORT),
        resources: {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.units(1) },
          memory: { request: Size.mebibytes(96), limit: Size.mebibytes(512) },
        },
        // Disks, LVM, mounts and DRBD need the host's devices and mount namespace, and root: the
        // image's default user (65532) is the operator's.
        securityContext: { privileged: true, ensureNonRoot: false, user: 0, readOnlyRootFilesystem: false, allowPrivilegeEscalation: true },
        imagePullPolicy: pull,
        volumeMounts: [
          { path: '/dev', volume: dev },
          { path: '/sys', volume: sys },
          { path: '/run/udev', volume: udev, readOnly: true },
          { path: '/etc/lvm', volume: lvm },
          { path: AGENT_STATE_DIR, volume: state },
          { path: CSI_SOCKET_DIR, volume: pluginDir },
          { path: KUBELET_DIR, volume: kubelet, propagation: kplus.MountPropagation.BIDIRECTIONAL },
          { path: AGENT_CA_DIR, volume: trust, readOnly: true },
          { path: AGENT_TLS_DIR, volume: tls },
        ],
      },
    ],
  });
  selectPods(daemonSet, AGENT_POD_LABELS);
  metricsService(scope, 'agent-metrics', ns, 'stratum-agent-metrics', AGENT_POD_LABELS, AGENT_METRICS_PORT);
  daemonSet.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.any()));
  ApiObject.of(daemonSet).addJsonPatch(JsonPatch.add('/spec/template/spec/priorityClassName', 'system-node-critical'));
  // The agent's proof of its node: a token bound to its pod, for the operator's audience only (no
  // Kubernetes API accepts it). cdk8s-plus has no projected volume, hence the patch.
  ApiObject.of(daemonSet).addJsonPatch(
    JsonPatch.add('/spec/template/spec/volumes/-', {
      name: 'token',
      projected: {
        sources: [{ serviceAccountToken: { audience: AGENT_TOKEN_AUDIENCE, expirationSeconds: AGENT_TOKEN_SECONDS, path: 'token' } }],
      },
    }),
    JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'token', mountPath: AGENT_TOKEN_DIR, readOnly: true }),
  );
  return daemonSet;
}

/**
 * The probes allow for a busy or slow node (seen: VMs without hardware virtualisation): answers
 * get 5 s, not the default 1 s; a process is restarted only after a minute without one, since a
 * restart costs more than it cures unless the process is wedged; and the first answer may take up
 * to 10 minutes (loading Node.js and the code), before the liveness probe counts at all.
 */
const PROBE_TIMEOUT = Duration.seconds(5);

function startupProbe(port: number): kplus.Probe {
  return healthzProbe(port, 5, 120);
}

function livenessProbe(port: number): kplus.Probe {
  return healthzProbe(port, 10, 6);
}

function healthzProbe(port: number, periodSeconds: number, failureThreshold: number): kplus.Probe {
  return kplus.Probe.fromHttpGet('/healthz', {
    port,
    periodSeconds: Duration.seconds(periodSeconds),
    timeoutSeconds: PROBE_TIMEOUT,
    failureThreshold,
  });
}

function metricsService(
  scope: Construct,
  id: string,
  namespace: string,
  name: string,
  selector: Record<string, string>,
  port: number,
): void {
  new kplus.k8s.KubeService(scope, id, {
    metadata: { name, namespace, labels: { ...selector, ...METRICS_SERVICE_LABELS } },
    spec: { selector: { ...selector }, ports: [{ name: 'metrics', port, targetPort: kplus.k8s.IntOrString.fromString('metrics') }] },
  });
}
