// The operator's kubeconfig reader: files as kubectl reads them (relative paths, -data fields,
// tokens, basic auth, TLS settings), the pod's service account with a rotated token, clear
// refusals, client-node only for what the reader does not handle; and a mutual-TLS request
// through KubeClient on a loopback server with certificates of a real CA.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { KubeClient, loadKubeConfig } from '../../src/operator/runtime/kube/client.ts';
import { type KubeCredentials, readKubeconfigFile, readServiceAccount } from '../../src/operator/runtime/kube/kubeconfig.ts';
import { TestPki } from '../helpers/certs.ts';

async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'stratum-kubeconfig-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'ctx',
    clusters: [
      { name: 'other', cluster: { server: 'https://wrong:1' } },
      { name: 'c', cluster },
    ],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
  });
}

/** The options one request would be sent with. */
async function requestOptions(creds: KubeCredentials): Promise<https.RequestOptions> {
  const opts: https.RequestOptions = {};
  await creds.applyToHTTPSOptions(opts);
  return opts;
}

const optionsOf = (file: string) => requestOptions(readKubeconfigFile(file));

/** Puts a new file in place of `file` as a rotation does: written beside it, then renamed over it. */
async function replaceFile(file: string, text: string): Promise<void> {
  await writeFile(`${file}.new`, text);
  await rename(`${file}.new`, file);
}

test('a file: relative paths are read beside it, tls-server-name and a token file apply', () =>
  inTempDir(async (dir) => {
    await mkdir(path.join(dir, 'pki'));
    await writeFile(path.join(dir, 'pki/ca.crt'), 'CA');
    await writeFile(path.join(dir, 'pki/me.crt'), 'CERT');
    await writeFile(path.join(dir, 'pki/me.key'), 'KEY');
    await writeFile(path.join(dir, 'token'), 'first\n');
    const file = path.join(dir, 'config');
    await writeFile(
      file,
      kubeconfig(
        { server: 'https://10.0.0.1:6443', 'certificate-authority': 'pki/ca.crt', 'tls-server-name': 'kubernetes' },
        { 'client-certificate': 'pki/me.crt', 'client-key': 'pki/me.key', tokenFile: 'token' },
      ),
    );
    const creds = readKubeconfigFile(file);
    assert.is(creds.getCurrentCluster()?.server, 'https://10.0.0.1:6443');
    const opts = await requestOptions(creds);
    assert.is(String(opts.ca), 'CA');
    assert.is(String(opts.cert), 'CERT');
    assert.is(String(opts.key), 'KEY');
    assert.is(opts.servername, 'kubernetes');
    assert.is(opts.rejectUnauthorized, undefined);
    assert.equal(opts.headers, { Authorization: 'Bearer first' });
    // A new file in its place is read at the next request.
    await replaceFile(path.join(dir, 'token'), 'second');
    assert.equal((await requestOptions(creds)).headers, { Authorization: 'Bearer second' });
  }));

test('a file: -data fields, insecure-skip-tls-verify, a token, basic auth', () =>
  inTempDir(async (dir) => {
    const file = path.join(dir, 'config');
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await writeFile(
      file,
      kubeconfig(
        { server: 'https://h:1', 'certificate-authority-data': b64('CA'), 'insecure-skip-tls-verify': true },
        { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY'), token: 'abc' },
      ),
    );
    const opts = await optionsOf(file);
    assert.is(String(opts.ca), 'CA');
    assert.is(String(opts.cert), 'CERT');
    assert.is(String(opts.key), 'KEY');
    assert.is(opts.rejectUnauthorized, false);
    assert.equal(opts.headers, { Authorization: 'Bearer abc' });
    await writeFile(file, kubeconfig({ server: 'https://h:1' }, { username: 'admin', password: 's3cret' }));
    const basic = await optionsOf(file);
    assert.is(basic.auth, 'admin:s3cret');
    assert.is(basic.headers, undefined);
  }));

test('a file: what is wrong with it is named, with the file', () =>
  inTempDir(async (dir) => {
    const file = path.join(dir, 'config');
    const refused = async (text: string, pattern: RegExp) => {
      await writeFile(file, text);
      assert.throws(() => readKubeconfigFile(file), pattern);
    };
    await refused('clusters: [', /kubeconfig .*config: .*/);
    await refused(stringify({ clusters: [] }), /kubeconfig .*config has no current-context/);
    await refused(
      stringify({ 'current-context': 'x', contexts: [{ name: 'x', context: { cluster: 'gone' } }] }),
      /kubeconfig .*config, context x names cluster "gone", which the file does not define/,
    );
    await refused(kubeconfig({}, {}), /kubeconfig .*config: cluster c has no server/);
    await refused(
      kubeconfig({ server: 'https://h:1', 'certificate-authority': 'missing.crt' }, {}),
      /kubeconfig .*config: certificate-authority .*missing\.crt: ENOENT/,
    );
    assert.throws(() => loadKubeConfig({ kubeconfig: path.join(dir, 'nope') }), /kubeconfig .*nope does not exist/);
  }));

test('an exec plugin is run through client-node, loaded only for it', () =>
  inTempDir(async (dir) => {
    const file = path.join(dir, 'config');
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: 'from-exec' },
    });
    await writeFile(
      file,
      kubeconfig(
        { server: 'https://h:1' },
        {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: 'sh',
            args: ['-c', `echo '${credential}'`],
            interactiveMode: 'Never',
          },
        },
      ),
    );
    const opts = await optionsOf(file);
    assert.equal(opts.headers, { Authorization: 'Bearer from-exec' });
  }));

test("a pod's service account: the Service from the environment, its CA, a token read again when the kubelet replaces it", () =>
  inTempDir(async (dir) => {
    await writeFile(path.join(dir, 'ca.crt'), 'CA');
    await writeFile(path.join(dir, 'token'), 't1');
    const creds = readServiceAccount({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, dir);
    assert.is(creds.getCurrentCluster()?.server, 'https://[fd00::1]:6443');
    const opts = await requestOptions(creds);
    assert.is(String(opts.ca), 'CA');
    assert.equal(opts.headers, { Authorization: 'Bearer t1' });
    await replaceFile(path.join(dir, 'token'), 't2');
    assert.equal((await requestOptions(creds)).headers, { Authorization: 'Bearer t2' });
    assert.is(readServiceAccount({ KUBERNETES_SERVICE_HOST: '10.96.0.1' }, dir).getCurrentCluster()?.server, 'https://10.96.0.1:443');
    assert.throws(() => readServiceAccount({}, dir), /not in a pod: KUBERNETES_SERVICE_HOST is not set/);
    assert.throws(() => readServiceAccount({ KUBERNETES_SERVICE_HOST: 'h' }, path.join(dir, 'none')), /service account CA .*ENOENT/);
  }));

test('KubeClient reaches a mutual-TLS server by its tls-server-name with the client certificate of a kubeconfig', () =>
  inTempDir(async (dir) => {
    const pki = await TestPki.create(path.join(dir, 'pki'));
    const serving = await pki.issue({ name: 'apiserver', commonName: 'apiserver', dnsNames: ['kubernetes'], usage: 'server' });
    await pki.issue({ name: 'operator', commonName: 'system:stratum-operator', usage: 'client' });
    const server = https.createServer(
      { cert: await readFile(serving.cert), key: await readFile(serving.key), ca: await readFile(pki.ca.cert), requestCert: true },
      (req, res) => {
        const socket = req.socket as TLSSocket;
        res.writeHead(socket.authorized ? 200 : 401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ user: socket.getPeerCertificate().subject?.CN, path: req.url }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const file = path.join(dir, 'config');
    await writeFile(
      file,
      kubeconfig(
        {
          server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
          'certificate-authority': 'pki/ca.crt',
          'tls-server-name': 'kubernetes',
        },
        { 'client-certificate': 'pki/operator.crt', 'client-key': 'pki/operator.key' },
      ),
    );
    const kube = new KubeClient(loadKubeConfig({ kubeconfig: file }));
    try {
      assert.equal(await kube.request('GET', '/api/v1/namespaces'), { user: 'system:stratum-operator', path: '/api/v1/namespaces' });
    } finally {
      kube.close();
      await new Promise((resolve) => server.close(resolve));
    }
  }));

test.run();
