// Least-privilege RBAC. The operator gets exactly the verbs its reconcilers, the CSI controller
// and its sidecars use; the agent gets no Kubernetes access at all (automount is off as well).
import { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-27';
import { API_GROUP } from '../common/constants.ts';
import { KIND_DEFINITIONS } from '../api/index.ts';

export interface Rule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

const READ = ['get', 'list', 'watch'] as const;
const WRITE = ['create', 'update', 'patch', 'delete'] as const;

/** Cluster-wide rules of the operator pod (operator, csi-provisioner, csi-resizer). */
export const OPERATOR_CLUSTER_RULES: readonly Rule[] = [
  { apiGroups: [API_GROUP], resources: KIND_DEFINITIONS.map((d) => d.plural), verbs: [...READ, ...WRITE] },
  { apiGroups: [API_GROUP], resources: KIND_DEFINITIONS.map((d) => `${d.plural}/status`), verbs: ['get', 'update', 'patch'] },
  { apiGroups: [API_GROUP], resources: KIND_DEFINITIONS.map((d) => `${d.plural}/finalizers`), verbs: ['update'] },
  // Agent discovery (the agent DaemonSet's pods) and the evict label on nodes.
  { apiGroups: [''], resources: ['pods', 'nodes'], verbs: [...READ] },
  // csi-provisioner and csi-resizer, plus PV node affinity updates after an eviction.
  { apiGroups: [''], resources: ['persistentvolumes'], verbs: [...READ, 'create', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: [...READ, 'update', 'patch'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims/status'], verbs: ['patch'] },
  { apiGroups: [''], resources: ['events'], verbs: [...READ, 'create', 'patch'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['storage.k8s.io'], resources: ['storageclasses', 'csinodes', 'volumeattachments'], verbs: [...READ] },
];

/** Rules in the install namespace: leader election, published capacity, and the TLS secrets. */
export const OPERATOR_NAMESPACE_RULES: readonly Rule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: [...READ, 'create', 'update', 'patch'] },
  { apiGroups: ['storage.k8s.io'], resources: ['csistoragecapacities'], verbs: [...READ, ...WRITE] },
  // csi-provisioner --enable-capacity sets its Deployment as owner of the capacity objects.
  { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
  { apiGroups: ['apps'], resources: ['replicasets', 'deployments'], verbs: ['get'] },
  // The operator issues the mTLS certificates of the agents into these secrets.
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'update'] },
];

export interface Accounts {
  readonly operator: kplus.ServiceAccount;
  readonly agent: kplus.ServiceAccount;
}

export function createRbac(scope: Construct, namespace: string): Accounts {
  const operator = new kplus.ServiceAccount(scope, 'operator-sa', { metadata: { name: 'stratum-operator', namespace } });
  const agent = new kplus.ServiceAccount(scope, 'agent-sa', { metadata: { name: 'stratum-agent', namespace }, automountToken: false });

  const clusterRole = new kplus.k8s.KubeClusterRole(scope, 'operator-clusterrole', {
    metadata: { name: 'stratum-operator' },
    rules: OPERATOR_CLUSTER_RULES.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
  });
  new kplus.k8s.KubeClusterRoleBinding(scope, 'operator-clusterrolebinding', {
    metadata: { name: 'stratum-operator' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole.name },
    subjects: [{ kind: 'ServiceAccount', name: operator.name, namespace }],
  });
  const role = new kplus.k8s.KubeRole(scope, 'operator-role', {
    metadata: { name: 'stratum-operator', namespace },
    rules: OPERATOR_NAMESPACE_RULES.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
  });
  new kplus.k8s.KubeRoleBinding(scope, 'operator-rolebinding', {
    metadata: { name: 'stratum-operator', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
    subjects: [{ kind: 'ServiceAccount', name: operator.name, namespace }],
  });
  return { operator, agent };
}
