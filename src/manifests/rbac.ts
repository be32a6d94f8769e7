// Least-privilege RBAC. The operator gets exactly the verbs its reconcilers, the CSI controller
// and its sidecars use, and Secret and ConfigMap rights only on the CA's own objects (create
// cannot be limited by name in RBAC); the agent gets no Kubernetes access at all (automount is
// off; its only token is projected for the operator's audience, which the API server ignores).
import type { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-27';
import { API_GROUP, CA_SECRET, OPERATOR_NAME, TRUST_BUNDLE_CONFIGMAP } from '../common/constants.ts';
import { KIND_DEFINITIONS } from '../api/index.ts';

export interface Rule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

const READ = ['get', 'list', 'watch'] as const;
const WRITE = ['create', 'update', 'patch', 'delete'] as const;

/** Cluster-wide rules of the operator pod (operator, csi-provisioner, csi-resizer, csi-snapshotter). */
export const OPERATOR_CLUSTER_RULES: readonly Rule[] = [
  { apiGroups: [API_GROUP], resources: KIND_DEFINITIONS.map((d) => d.plural), verbs: [...READ, ...WRITE] },
  { apiGroups: [API_GROUP], resources: KIND_DEFINITIONS.map((d) => `${d.plural}/status`), verbs: ['get', 'update', 'patch'] },
  { apiGroups: [API_GROUP], resources: KIND_DEFINITIONS.map((d) => `${d.plural}/finalizers`), verbs: ['update'] },
  // The evict label on nodes.
  { apiGroups: [''], resources: ['nodes'], verbs: [...READ] },
  // An agent proves its node with its pod's token.
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  // csi-provisioner and csi-resizer, plus PV node affinity updates after an eviction.
  { apiGroups: [''], resources: ['persistentvolumes'], verbs: [...READ, 'create', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: [...READ, 'update', 'patch'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims/status'], verbs: ['patch'] },
  { apiGroups: [''], resources: ['events'], verbs: [...READ, 'create', 'patch'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['storage.k8s.io'], resources: ['storageclasses', 'csinodes', 'volumeattachments'], verbs: [...READ] },
  // A StoragePool applied after install gets its StorageClass from the operator.
  { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['create'] },
  // csi-snapshotter, and csi-provisioner reading a restore's VolumeSnapshot.
  { apiGroups: ['snapshot.storage.k8s.io'], resources: ['volumesnapshotclasses', 'volumesnapshots'], verbs: [...READ] },
  { apiGroups: ['snapshot.storage.k8s.io'], resources: ['volumesnapshotcontents'], verbs: [...READ, 'update', 'patch'] },
  { apiGroups: ['snapshot.storage.k8s.io'], resources: ['volumesnapshotcontents/status'], verbs: ['update', 'patch'] },
];

/**
 * Rules in the install namespace: leader election, published capacity, agent pods, and the CA.
 * `managed`: the operator creates and rotates the CA Secret; `external`: cert-manager does, the
 * operator only reads it.
 */
export function operatorNamespaceRules(certificates: 'managed' | 'external'): readonly Rule[] {
  return [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: [...READ, 'create', 'update', 'patch'] },
    { apiGroups: ['storage.k8s.io'], resources: ['csistoragecapacities'], verbs: [...READ, ...WRITE] },
    // Agent discovery, the pod behind an agent's token, and csi-provisioner --enable-capacity
    // (which sets its Deployment as owner of the capacity objects).
    { apiGroups: [''], resources: ['pods'], verbs: [...READ] },
    { apiGroups: ['apps'], resources: ['replicasets', 'deployments'], verbs: ['get'] },
    ...(certificates === 'managed'
      ? [
          { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
          { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'update'], resourceNames: [CA_SECRET] },
        ]
      : [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [CA_SECRET] }]),
    // The public trust bundle the agents mount.
    { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'update'], resourceNames: [TRUST_BUNDLE_CONFIGMAP] },
  ];
}

export interface Accounts {
  readonly operator: kplus.ServiceAccount;
  readonly agent: kplus.ServiceAccount;
}

export function createRbac(scope: Construct, namespace: string, certificates: 'managed' | 'external'): Accounts {
  const operator = new kplus.ServiceAccount(scope, 'operator-sa', { metadata: { name: OPERATOR_NAME, namespace } });
  const agent = new kplus.ServiceAccount(scope, 'agent-sa', { metadata: { name: 'stratum-agent', namespace }, automountToken: false });

  const clusterRole = new kplus.k8s.KubeClusterRole(scope, 'operator-clusterrole', {
    metadata: { name: OPERATOR_NAME },
    rules: OPERATOR_CLUSTER_RULES.map(toPolicyRule),
  });
  new kplus.k8s.KubeClusterRoleBinding(scope, 'operator-clusterrolebinding', {
    metadata: { name: OPERATOR_NAME },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole.name },
    subjects: [{ kind: 'ServiceAccount', name: operator.name, namespace }],
  });
  const role = new kplus.k8s.KubeRole(scope, 'operator-role', {
    metadata: { name: OPERATOR_NAME, namespace },
    rules: operatorNamespaceRules(certificates).map(toPolicyRule),
  });
  new kplus.k8s.KubeRoleBinding(scope, 'operator-rolebinding', {
    metadata: { name: OPERATOR_NAME, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
    subjects: [{ kind: 'ServiceAccount', name: operator.name, namespace }],
  });
  return { operator, agent };
}

function toPolicyRule(r: Rule): kplus.k8s.PolicyRule {
  return {
    apiGroups: [...r.apiGroups],
    resources: [...r.resources],
    verbs: [...r.verbs],
    ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}),
  };
}
