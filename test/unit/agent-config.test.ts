import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_DISK_FILTER, parseAgentConfig } from '../../src/agent/config.ts';

const TLS = ['--tls-ca', '/p/ca.crt', '--tls-cert', '/p/a.crt', '--tls-key', '/p/a.key'];

test('defaults, with flags for the required TLS files', () => {
  const c = parseAgentConfig(TLS, {})!;
  assert.is(c.listen, '0.0.0.0:9443');
  assert.is(c.stateDir, '/var/lib/stratum');
  assert.is(c.lvmSystemDir, undefined);
  assert.equal(c.diskFilter, DEFAULT_DISK_FILTER);
  assert.is(c.scanIntervalMs, 10_000);
  assert.is(c.tls.clientCert, '/p/a.crt');
});

test('environment fills in, flags win over it', () => {
  const env = {
    NODE_NAME: 'node-env',
    STRATUM_TLS_CA: '/e/ca',
    STRATUM_TLS_CERT: '/e/c',
    STRATUM_TLS_KEY: '/e/k',
    STRATUM_DISKS: '/dev/loop1, /dev/loop2',
    LVM_SYSTEM_DIR: '/e/lvm',
    STRATUM_SCAN_INTERVAL_MS: '2000',
  };
  const c = parseAgentConfig(['--node-name', 'node-flag', '--scan-interval-ms', '500'], env)!;
  assert.is(c.nodeName, 'node-flag');
  assert.is(c.tls.ca, '/e/ca');
  assert.equal(c.diskFilter, ['/dev/loop1', '/dev/loop2']);
  assert.is(c.lvmSystemDir, '/e/lvm');
  assert.is(c.scanIntervalMs, 500);
});

test('bootstrap: the peer certificate defaults to peer.crt beside the serving one; the token to the projected path', () => {
  const c = parseAgentConfig([...TLS, '--bootstrap-url', 'https://stratum-operator.stratum-system.svc:9444'], {})!;
  assert.equal(c.bootstrap, {
    url: 'https://stratum-operator.stratum-system.svc:9444',
    tokenFile: '/var/run/secrets/stratum.dev/agent/token',
  });
  assert.equal([c.tls.clientCert, c.tls.clientKey], ['/p/peer.crt', '/p/peer.key']);
  assert.is(c.tlsReloadMs, 10_000);
  assert.is(parseAgentConfig(TLS, {})!.bootstrap, undefined);
  assert.throws(
    () => parseAgentConfig([...TLS, '--bootstrap-url', 'http://operator:9444'], {}),
    /--bootstrap-url: "http:\/\/operator:9444" is not an https:\/\/ URL/,
  );
});

test('liveness and kubelet registration: /healthz on 9818; no registration unless a directory is given, and then only with CSI', () => {
  const plain = parseAgentConfig(TLS, {})!;
  assert.is(plain.healthListen, '0.0.0.0:9818');
  assert.is(plain.kubeletRegistration, undefined);
  const csi = [...TLS, '--csi-endpoint', 'unix:///csi/csi.sock'];
  // An empty variable counts as unset, as for every flag: no kubelet to register with.
  assert.is(parseAgentConfig(csi, { STRATUM_KUBELET_REGISTRATION_DIR: '' })!.kubeletRegistration, undefined);
  const registered = parseAgentConfig(csi, { STRATUM_KUBELET_REGISTRATION_DIR: '/var/lib/kubelet/plugins_registry' })!;
  assert.equal(registered.kubeletRegistration, {
    dir: '/var/lib/kubelet/plugins_registry',
    endpoint: '/var/lib/kubelet/plugins/csi.stratum.dev/csi.sock',
  });
  const own = parseAgentConfig([...csi, '--kubelet-registration-dir', '/r', '--kubelet-csi-endpoint', 'unix:///host/csi.sock'], {})!;
  assert.equal(own.kubeletRegistration, { dir: '/r', endpoint: '/host/csi.sock' });
  assert.is(parseAgentConfig(TLS, { STRATUM_AGENT_HEALTH_LISTEN: '127.0.0.1:0' })!.healthListen, '127.0.0.1:0');
  assert.throws(
    () => parseAgentConfig([...TLS, '--kubelet-registration-dir', '/r'], {}),
    /--kubelet-registration-dir needs --csi-endpoint/,
  );
  assert.throws(
    () => parseAgentConfig([...csi, '--kubelet-registration-dir', 'relative'], {}),
    /--kubelet-registration-dir: "relative" is not an absolute path/,
  );
  assert.throws(
    () => parseAgentConfig([...csi, '--kubelet-registration-dir', '/r', '--kubelet-csi-endpoint', 'tcp://x'], {}),
    /--kubelet-csi-endpoint: /,
  );
  assert.throws(() => parseAgentConfig([...TLS, '--health-listen', '9818'], {}), /--health-listen: "9818" is not host:port/);
});

test('bad input: missing TLS, unknown flag, bad numbers', () => {
  assert.throws(() => parseAgentConfig([], {}), /--tls-ca \(or \$STRATUM_TLS_CA\) is required/);
  assert.throws(() => parseAgentConfig([...TLS, '--bogus', 'x'], {}), /bogus/);
  assert.throws(() => parseAgentConfig([...TLS, '--scan-interval-ms', 'soon'], {}), /--scan-interval-ms: "soon"/);
  assert.is(parseAgentConfig(['--help'], {}), undefined);
});

test.run();
