// The files of one test control plane, all under one directory: certificates, etcd data, logs,
// the admin kubeconfig. The layout is a pure function of the directory, so a process that only
// knows the directory (STRATUM_TEST_RIG_DIR) finds everything.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { TestPki } from '../helpers/certs.ts';

export interface RigFiles {
  readonly dir: string;
  readonly pkiDir: string;
  readonly caCert: string;
  readonly apiServerCert: string;
  readonly apiServerKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
  readonly etcdDataDir: string;
  readonly logDir: string;
  /** Admin kubeconfig (O=system:masters client certificate). */
  readonly kubeconfig: string;
}

export function rigFiles(dir: string): RigFiles {
  const pkiDir = path.join(dir, 'pki');
  const pki = (name: string) => path.join(pkiDir, name);
  return {
    dir,
    pkiDir,
    caCert: pki('ca.crt'),
    apiServerCert: pki('kube-apiserver.crt'),
    apiServerKey: pki('kube-apiserver.key'),
    adminCert: pki('admin.crt'),
    adminKey: pki('admin.key'),
    serviceAccountKey: pki('service-account.key'),
    serviceAccountPub: pki('service-account.pub'),
    etcdDataDir: path.join(dir, 'etcd'),
    logDir: path.join(dir, 'logs'),
    kubeconfig: path.join(dir, 'kubeconfig'),
  };
}

/** CA, API server serving cert, admin client cert and the service-account key pair. */
export async function makeCertificates(files: RigFiles): Promise<void> {
  const pki = await TestPki.create(files.pkiDir, 'stratum-rig-ca');
  await pki.issue({
    name: 'kube-apiserver',
    commonName: 'kube-apiserver',
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    // 10.96.0.1: the kubernetes Service, as pods on the lab's real nodes reach the API server.
    ips: ['127.0.0.1', '10.96.0.1'],
    usage: 'server',
  });
  await pki.issue({ name: 'admin', commonName: 'stratum-rig-admin', organizations: ['system:masters'], usage: 'client' });
  await pki.keyPair('service-account');
}

export async function makeDirs(files: RigFiles): Promise<void> {
  await mkdir(files.etcdDataDir, { recursive: true, mode: 0o700 });
  await mkdir(files.logDir, { recursive: true });
}

export async function writeKubeconfig(files: RigFiles, server: string): Promise<void> {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'stratum-rig', cluster: { server, 'certificate-authority': files.caCert } }],
    users: [{ name: 'admin', user: { 'client-certificate': files.adminCert, 'client-key': files.adminKey } }],
    contexts: [{ name: 'stratum-rig', context: { cluster: 'stratum-rig', user: 'admin', namespace: 'default' } }],
    'current-context': 'stratum-rig',
  };
  await writeFile(files.kubeconfig, stringify(config), { mode: 0o600 });
}
