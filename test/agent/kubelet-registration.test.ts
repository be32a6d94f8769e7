// The agent in the kubelet's place of node-driver-registrar and livenessprobe: it serves the
// kubelet's plugin registration service on `<dir>/<driver>-reg.sock` (this test plays the
// kubelet's plugin watcher), shows the kubelet's verdict as stratum_agent_kubelet_registered,
// removes the socket when it stops, and answers the liveness probe's /healthz itself.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { CSI_DRIVER_NAME, CSI_PLUGIN_DIR } from '../../src/common/constants.ts';
import { callUnary } from '../../src/common/grpc-unary.ts';
import { loadRegistrationProto } from '../../src/agent-api/loader.ts';
import type { RegistrationClient } from '../../src/agent-api/generated/pluginregistration/Registration.ts';
import { type TestAgent, withAgentHarness } from '../helpers/agent-harness.ts';
import { parseSamples } from '../helpers/prometheus-text.ts';

const t = suite('agent: kubelet registration and liveness');
let a: TestAgent;
let kubelet: RegistrationClient;
const registry = mkdtempSync(path.join(tmpdir(), 'stratum-plugins-registry-'));
const socket = path.join(registry, `${CSI_DRIVER_NAME}-reg.sock`);
// A socket file left by a killed agent: the new one must replace it, not fail to bind.
writeFileSync(socket, '');

/** The gauge's value on the agent's /metrics (undefined: not exported). */
async function registered(): Promise<number | undefined> {
  const res = await fetch(`${a.metricsUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
  return parseSamples(await res.text()).find((s) => s.name === 'stratum_agent_kubelet_registered')?.value;
}

withAgentHarness(t, { agents: 1, loopsPerAgent: 0, extraArgs: ['--kubelet-registration-dir', registry] }, (h) => {
  a = h.agents[0]!;
  const { Registration } = loadRegistrationProto().pluginregistration;
  kubelet = new Registration(`unix://${socket}`, grpc.credentials.createInsecure());
});

t.after(async () => {
  kubelet?.close();
  await rm(registry, { recursive: true, force: true });
});

t('GetInfo: a CSIPlugin with the driver name, the CSI socket where the kubelet sees it, CSI 1.0.0', async () => {
  const info = await callUnary(kubelet, 'GetInfo', {}, 5_000);
  assert.equal(info, { type: 'CSIPlugin', name: CSI_DRIVER_NAME, endpoint: `${CSI_PLUGIN_DIR}/csi.sock`, supportedVersions: ['1.0.0'] });
});

t('NotifyRegistrationStatus: 0 until the kubelet says registered, 0 and an error log after a refusal, 1 after a registration', async () => {
  assert.is(await registered(), 0);
  await callUnary(kubelet, 'NotifyRegistrationStatus', { pluginRegistered: false, error: 'boom' }, 5_000);
  assert.is(await registered(), 0);
  const refusal = a
    .logs()
    .split('\n')
    .find((l) => l.includes('the kubelet refused the CSI driver'));
  assert.ok(refusal, 'the refusal is logged');
  assert.equal([JSON.parse(refusal).level, JSON.parse(refusal).err], ['error', 'boom']);
  await callUnary(kubelet, 'NotifyRegistrationStatus', { pluginRegistered: true, error: '' }, 5_000);
  assert.is(await registered(), 1);
});

t('/healthz answers 200 while the agent serves; other paths 404', async () => {
  const res = await fetch(`${a.healthUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
  assert.is(res.status, 200);
  assert.is(await res.text(), 'ok\n');
  assert.is((await fetch(`${a.healthUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })).status, 404);
});

t('stopped: the registration socket is gone (the kubelet unregisters the driver), /healthz no longer answers', async () => {
  assert.ok(existsSync(socket));
  assert.is(await a.stop(10_000), 0);
  assert.not.ok(existsSync(socket), `${socket} removed`);
  const probe = await fetch(`${a.healthUrl}/healthz`, { signal: AbortSignal.timeout(5_000) }).then(
    (r) => r.status,
    (err: Error) => err.message,
  );
  assert.is(probe, 'fetch failed');
});

t.run();
