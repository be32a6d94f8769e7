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

test('bad input: missing TLS, unknown flag, bad numbers', () => {
  assert.throws(() => parseAgentConfig([], {}), /--tls-ca \(or \$STRATUM_TLS_CA\) is required/);
  assert.throws(() => parseAgentConfig([...TLS, '--bogus', 'x'], {}), /bogus/);
  assert.throws(() => parseAgentConfig([...TLS, '--scan-interval-ms', 'soon'], {}), /--scan-interval-ms: "soon"/);
  assert.is(parseAgentConfig(['--help'], {}), undefined);
});

test.run();
