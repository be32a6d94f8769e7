// The played kubelet against the real API server: Nodes Ready with loopback addresses, Leases
// renewed until stopped, agent Pods Running with a Pod IP and the named grpc port.
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { AGENT_GRPC_PORT, AGENT_GRPC_PORT_NAME, AGENT_POD_LABELS } from '../../src/common/constants.ts';
import { connectToSharedControlPlane, uniqueName } from './connect.ts';
import { Kubelet } from './kubelet.ts';
import { createTestNamespace, deleteTestNamespace } from './namespace.ts';
import { findCondition } from '../../src/operator/runtime/status.ts';

const kc = connectToSharedControlPlane().kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const leases = kc.makeApiClient(CoordinationV1Api);
const test = suite('kubelet');

const RENEW_MS = 300;
const kubelet = new Kubelet(kc, { leaseRenewMs: RENEW_MS });
let namespace = '';
const nodeA = { name: uniqueName('rig-node-a'), address: '127.0.0.2', labels: { 'stratum.dev/rig': 'a' } };
const nodeB = { name: uniqueName('rig-node-b'), address: '127.0.0.3' };
const podName = uniqueName('agent');

const renewTime = async (node: string) =>
  String((await leases.readNamespacedLease({ namespace: 'kube-node-lease', name: node })).spec?.renewTime?.valueOf());

test.before(async () => {
  namespace = await createTestNamespace(kc, 'rig-kubelet');
});

test.after(async () => {
  await kubelet.stop();
  if (namespace) await kubelet.deletePod(namespace, podName);
  await kubelet.removeNode(nodeA.name);
  await kubelet.removeNode(nodeB.name);
  if (namespace) await deleteTestNamespace(kc, namespace);
});

test('addNode registers a Ready node with its loopback address, capacity and labels', async () => {
  await kubelet.addNode(nodeA);
  await kubelet.addNode(nodeB);
  const node = await core.readNode({ name: nodeA.name });
  const ready = findCondition(node.status?.conditions, 'Ready');
  assert.is(ready?.status, 'True');
  assert.equal(node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, '127.0.0.2');
  assert.is(node.status?.allocatable?.pods, '110');
  assert.is(node.metadata?.labels?.['stratum.dev/rig'], 'a');
  assert.is(node.metadata?.labels?.['kubernetes.io/hostname'], nodeA.name);
  // Admission taints every new node; only a node-lifecycle controller (not running here) lifts it.
  assert.ok(
    node.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready'),
    'not-ready taint',
  );
});

test('the node Lease is renewed on the interval, and no longer after stop()', async () => {
  const first = await renewTime(nodeA.name);
  await sleep(RENEW_MS * 3);
  const second = await renewTime(nodeA.name);
  assert.is.not(second, first, 'renewTime moved on');
  assert.is(kubelet.renewError, undefined);

  await kubelet.stop();
  const stopped = await renewTime(nodeA.name);
  await sleep(RENEW_MS * 3);
  assert.is(await renewTime(nodeA.name), stopped, 'renewTime frozen after stop()');
});

test('runPod reports a Running, Ready agent pod with its pod IP and the named grpc port', async () => {
  await kubelet.runPod({ namespace, name: podName, node: nodeB.name });
  const pod = await core.readNamespacedPod({ namespace, name: podName });
  assert.is(pod.spec?.nodeName, nodeB.name);
  assert.equal(pod.metadata?.labels, { ...AGENT_POD_LABELS });
  assert.is(pod.status?.phase, 'Running');
  assert.is(pod.status?.podIP, '127.0.0.3');
  assert.is(findCondition(pod.status?.conditions, 'Ready')?.status, 'True');
  const port = pod.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === AGENT_GRPC_PORT_NAME);
  assert.is(port?.containerPort, AGENT_GRPC_PORT);
});

test('setPodReady flips the Ready condition and keeps the pod IP', async () => {
  await kubelet.setPodReady(namespace, podName, false);
  let pod = await core.readNamespacedPod({ namespace, name: podName });
  assert.is(findCondition(pod.status?.conditions, 'Ready')?.status, 'False');
  assert.is(pod.status?.containerStatuses?.[0]?.ready, false);
  assert.is(pod.status?.podIP, '127.0.0.3');
  await kubelet.setPodReady(namespace, podName, true);
  pod = await core.readNamespacedPod({ namespace, name: podName });
  assert.is(findCondition(pod.status?.conditions, 'Ready')?.status, 'True');
});

test('runPod refuses a node it does not play', async () => {
  try {
    await kubelet.runPod({ namespace, name: uniqueName('stray'), node: 'no-such-node' });
    assert.unreachable('runPod accepted an unknown node');
  } catch (err) {
    assert.match((err as Error).message, /node no-such-node was not added/);
  }
});

test.run();
