// LocalVolumes born with the operator's finalizer. A MutatingAdmissionPolicy (CEL that runs inside
// kube-apiserver, GA in Kubernetes 1.36) adds it when a LocalVolume is created without it — by
// kubectl, Argo CD or any other client — so the operator does not have to patch every new volume:
// one API write and one watch event fewer per volume. The operator still adds the finalizer when
// it is missing (an older cluster, the policy turned off, a failed evaluation: failurePolicy Ignore).
import { localVolumeDefinition } from '../api/index.ts';
import { API_GROUP, FINALIZER } from '../common/constants.ts';

export const ADMISSION_API_VERSION = 'admissionregistration.k8s.io/v1';
export const FINALIZER_POLICY_NAME = 'stratum-localvolume-finalizer';

const lacksFinalizer = `!has(object.metadata.finalizers) || !object.metadata.finalizers.exists(f, f == '${FINALIZER}')`;
// JSON Patch adds to an existing list at "-" and creates the list otherwise.
const addFinalizer = `has(object.metadata.finalizers)
  ? [JSONPatch{op: 'add', path: '/metadata/finalizers/-', value: '${FINALIZER}'}]
  : [JSONPatch{op: 'add', path: '/metadata/finalizers', value: ['${FINALIZER}']}]`;

export interface AdmissionObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly spec: Record<string, unknown>;
}

/** The policy and its binding, in the order they are applied. */
export function finalizerPolicyObjects(): AdmissionObject[] {
  const metadata = { name: FINALIZER_POLICY_NAME };
  return [
    {
      apiVersion: ADMISSION_API_VERSION,
      kind: 'MutatingAdmissionPolicy',
      metadata,
      spec: {
        failurePolicy: 'Ignore',
        reinvocationPolicy: 'Never',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [API_GROUP], apiVersions: ['*'], operations: ['CREATE'], resources: [localVolumeDefinition.plural] },
          ],
        },
        matchConditions: [{ name: 'lacks-finalizer', expression: lacksFinalizer }],
        mutations: [{ patchType: 'JSONPatch', jsonPatch: { expression: addFinalizer } }],
      },
    },
    {
      apiVersion: ADMISSION_API_VERSION,
      kind: 'MutatingAdmissionPolicyBinding',
      metadata,
      spec: { policyName: FINALIZER_POLICY_NAME },
    },
  ];
}
