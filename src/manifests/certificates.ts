// With `certManagerIssuer` set, cert-manager issues from the user's issuer: Stratum's CA (a CA
// certificate in the Secret stratum-ca, which the operator then signs the agents' certificates
// with) and the operator's own certificate (Secret stratum-operator-tls, mounted by the operator).
// cert-manager renews both; the operator re-reads them without a restart.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { CA_SECRET, OPERATOR_NAME, OPERATOR_TLS_SECRET } from '../common/constants.ts';
import { OPERATOR_IDENTITY } from '../agent-api/identity.ts';
import type { ResolvedConfig } from './config.ts';

type Issuer = NonNullable<ResolvedConfig['certManagerIssuer']>;

export function createCertManagerCertificates(scope: Construct, namespace: string, issuer: Issuer): void {
  const issuerRef = { name: issuer.name, kind: issuer.kind, group: issuer.group };
  const privateKey = { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' };
  // One Certificate per Secret, named after it; the rest of its spec says what the key is for.
  const certificate = (id: string, secretName: string, spec: Record<string, unknown>) =>
    new ApiObject(scope, id, {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: secretName, namespace },
      spec: { secretName, ...spec, privateKey, issuerRef },
    });
  certificate('ca-certificate', CA_SECRET, {
    isCA: true,
    commonName: 'stratum-ca',
    duration: '8760h',
    renewBefore: '2920h',
    usages: ['cert sign', 'crl sign'],
  });
  certificate('operator-certificate', OPERATOR_TLS_SECRET, {
    commonName: OPERATOR_NAME,
    uris: [OPERATOR_IDENTITY],
    duration: '720h',
    renewBefore: '240h',
    usages: ['digital signature', 'server auth', 'client auth'],
  });
}
