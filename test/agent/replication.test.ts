// ConfigureReplication / GetReplicationStatus / Promote / Demote through the gRPC API of real
// agents, each running drbdadm in its own UTS namespace (--drbd-uts-namespace), so each sees its
// own host name. There is no DRBD kernel module here: the agents are told which DRBD to assume
// (--drbd-version: two DRBD 9 nodes and one 8.4 node), the file is written and checked by that
// DRBD's drbdadm parser, and the commands that would bring it up come from its dry run
// (`applied: false`). The metadata LV beside each data LV is real (LVM metadata operations).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { AgentHarness, callAgent, refused, type TestAgent } from '../helpers/agent-harness.ts';
import { cleanupAll, unmountAll } from '../helpers/cleanup.ts';
import { Drbdadm, makeUtsNamespace } from '../../src/agent/drbd/drbdadm.ts';
import type { ConfigureReplicationRequest } from '../../src/agent-api/generated/stratum/agent/v1/ConfigureReplicationRequest.ts';

const NAMES = ['node-a', 'node-b'] as const;
/** A third agent whose DRBD is the kernel's own 8.4. */
const NODE_84 = 'node-c';
const VOLUME = 'pvc-r';
const PORT = 7789;

interface Ctx {
  dir: string;
  namespaces: string[];
  h: AgentHarness;
  agents: TestAgent[];
  agent84: TestAgent;
  /** Device path of VOLUME on each agent (an LV path: no device node without device-mapper). */
  devices: string[];
}

const repl = suite<Ctx>('agent/replication');

repl.before(async (ctx) => {
  ctx.dir = await mkdtemp(path.join(tmpdir(), 'stratum-repl-'));
  ctx.namespaces = [];
  ctx.h = await AgentHarness.start({ agents: 0 });
  for (const name of [...NAMES, NODE_84]) {
    const ns = path.join(ctx.dir, `uts-${name}`);
    await makeUtsNamespace(ns, name);
    ctx.namespaces.push(ns);
    // The harness names agents node-a, node-b… in the order they are added.
    await ctx.h.addAgent({
      loopsPerAgent: 1,
      extraArgs: [
        '--drbd-uts-namespace',
        ns,
        '--drbd-config-dir',
        path.join(ctx.dir, name, 'drbd.d'),
        '--drbd-version',
        name === NODE_84 ? '8.4.11' : '9.2.0',
      ],
    });
  }
  ctx.agent84 = ctx.h.agents[2]!;
  ctx.agents = ctx.h.agents.slice(0, 2);
  ctx.devices = [];
  for (const a of ctx.h.agents) {
    await callAgent(a.client, 'EnsurePool', { name: 'fast', backend: 'POOL_BACKEND_LVM', disks: a.attached.map((l) => l.device) });
    const { volume } = await callAgent(a.client, 'CreateVolume', { volumeId: VOLUME, pool: 'fast', sizeBytes: String(64 * 1024 * 1024) });
    ctx.devices.push(volume!.devicePath);
  }
});

repl.after(async (ctx) => {
  await cleanupAll('agent/replication cleanup', [
    async () => ctx.h?.cleanup(),
    ...(ctx.namespaces ?? []).map((ns) => () => unmountAll(ns)),
    async () => ctx.dir && rm(ctx.dir, { recursive: true, force: true }),
  ]);
});

function request(ctx: Ctx, self: number, overrides: Partial<ConfigureReplicationRequest> = {}): ConfigureReplicationRequest {
  return {
    volumeId: VOLUME,
    port: PORT,
    protocol: 'C',
    nodeId: self,
    peers: NAMES.map((node, i) => ({ node, nodeId: i, address: `127.0.0.${i + 2}`, devicePath: ctx.devices[i]!, minor: 1000 + i })),
    ...overrides,
  };
}

async function lvsOf(agent: TestAgent): Promise<{ lv_name: string; lv_size: string; lv_tags: string }[]> {
  return agent.lvmReport('lvs', 'lv_name,lv_size,lv_tags', ['stratum-fast']);
}

repl('each node writes a checked resource file and reports its own view of bringing it up', async (ctx) => {
  for (const [i, agent] of ctx.agents.entries()) {
    const other = 1 - i;
    const res = await callAgent(agent.client, 'ConfigureReplication', request(ctx, i));
    assert.is(res.resource, 'stratum-pvc-r');
    assert.is(res.configPath, path.join(ctx.dir, NAMES[i]!, 'drbd.d', 'stratum-pvc-r.res'));
    assert.is(res.devicePath, `/dev/drbd${1000 + i}`);
    assert.is(res.changed, true);
    assert.is(res.applied, false, 'no DRBD kernel module here');
    assert.ok(
      res.commands.includes(`drbdsetup attach ${1000 + i} ${ctx.devices[i]} ${ctx.devices[i]}_drbdmeta flexible`),
      res.commands.join('\n'),
    );
    assert.ok(res.commands.includes(`drbdsetup new-peer stratum-pvc-r ${other} --_name=${NAMES[other]} --protocol=C`));
    assert.ok(
      res.commands.includes(`drbdsetup new-path stratum-pvc-r ${other} ipv4:127.0.0.${i + 2}:${PORT} ipv4:127.0.0.${other + 2}:${PORT}`),
    );
    assert.ok(res.commands.includes(`drbdsetup connect stratum-pvc-r ${other}`));
    const dump = await new Drbdadm().check(res.configPath);
    assert.match(dump, /protocol\s+C;/);

    const again = await callAgent(agent.client, 'ConfigureReplication', request(ctx, i));
    assert.is(again.changed, false, 'same request, same file: a no-op');
    assert.equal(again.commands, res.commands);
  }
  const [a, b] = await Promise.all(NAMES.map((n) => readFile(path.join(ctx.dir, n, 'drbd.d', 'stratum-pvc-r.res'), 'utf8')));
  assert.is(a, b, 'both nodes hold the same resource file');
  for (const agent of ctx.agents) {
    const lvs = await lvsOf(agent);
    assert.equal(lvs.map((l) => l.lv_name).sort(), ['pvc-r', 'pvc-r_drbdmeta'], 'the metadata LV sits beside the data LV');
    assert.is(lvs.find((l) => l.lv_name === 'pvc-r')!.lv_size, String(64 * 1024 * 1024), 'the data LV is untouched');
    assert.is(lvs.find((l) => l.lv_name === 'pvc-r_drbdmeta')!.lv_tags, 'stratum.drbdmeta=pvc-r');
  }
  const listed = await callAgent(ctx.agents[0]!.client, 'ListVolumes', {});
  assert.equal(
    listed.volumes.map((v) => v.id),
    ['pvc-r'],
    'the metadata LV is not a volume',
  );
});

repl('GetNodeInfo names the DRBD; GetReplicationStatus: configured but not up without the module', async (ctx) => {
  const info = await callAgent(ctx.agents[0]!.client, 'GetNodeInfo', {});
  assert.is(info.drbdVersion, '9.2.0');
  assert.is(info.drbdMaxReplicas, 3);
  const info84 = await callAgent(ctx.agent84.client, 'GetNodeInfo', {});
  assert.is(info84.drbdVersion, '8.4.11');
  assert.is(info84.drbdMaxReplicas, 2);
  const status = await callAgent(ctx.agents[0]!.client, 'GetReplicationStatus', { volumeId: VOLUME });
  assert.equal([status.resource, status.configured, status.up, status.drbdVersion], ['stratum-pvc-r', true, false, '9.2.0']);
  const none = await callAgent(ctx.agents[0]!.client, 'GetReplicationStatus', { volumeId: 'pvc-none' });
  assert.equal([none.configured, none.up], [false, false]);
});

repl('a DRBD 8.4 node writes the 8.4 dialect, which its drbdadm-84 accepts, and refuses three replicas', async (ctx) => {
  const peers = [
    { node: 'node-a', nodeId: 0, address: '127.0.0.2', devicePath: ctx.devices[0]!, minor: 1000 },
    { node: NODE_84, nodeId: 2, address: '127.0.0.4', devicePath: ctx.devices[2]!, minor: 1000 },
  ];
  const res = await callAgent(ctx.agent84.client, 'ConfigureReplication', {
    volumeId: VOLUME,
    port: PORT,
    protocol: 'C',
    nodeId: 2,
    peers,
  });
  const text = await readFile(res.configPath, 'utf8');
  assert.match(text, '(DRBD 8.4)');
  assert.not.match(text, 'node-id');
  assert.ok(
    res.commands.includes(`drbdsetup-84 attach 1000 ${ctx.devices[2]} ${ctx.devices[2]}_drbdmeta flexible`),
    res.commands.join('\n'),
  );
  assert.ok(
    res.commands.includes('drbdsetup-84 connect stratum-pvc-r ipv4:127.0.0.4:7789 ipv4:127.0.0.2:7789 --protocol=C'),
    res.commands.join('\n'),
  );
  const three = [...peers, { node: 'node-b', nodeId: 1, address: '127.0.0.3', devicePath: ctx.devices[1]!, minor: 1001 }];
  const err = await refused(
    callAgent(ctx.agent84.client, 'ConfigureReplication', { volumeId: VOLUME, port: PORT, protocol: 'C', nodeId: 2, peers: three }),
  );
  assert.is(err.code, grpc.status.INVALID_ARGUMENT);
  assert.match(err.details, '3 replicas given, DRBD 8.4 replication needs 2 to 2');
  await callAgent(ctx.agent84.client, 'RemoveReplication', { volumeId: VOLUME });
});

repl('switching to async rewrites the file with protocol A', async (ctx) => {
  const res = await callAgent(ctx.agents[0]!.client, 'ConfigureReplication', request(ctx, 0, { protocol: 'A' }));
  assert.is(res.changed, true);
  assert.ok(
    res.commands.some((c) => c.endsWith('--_name=node-b --protocol=A')),
    res.commands.join('\n'),
  );
  await callAgent(ctx.agents[0]!.client, 'ConfigureReplication', request(ctx, 0));
});

repl('promote and demote: dry runs show the drbdsetup call; for real they are refused without the module', async (ctx) => {
  const [a, b] = ctx.agents as [TestAgent, TestAgent];
  assert.equal((await callAgent(a.client, 'Promote', { volumeId: VOLUME, dryRun: true })).commands, ['drbdsetup primary stratum-pvc-r']);
  assert.equal((await callAgent(b.client, 'Demote', { volumeId: VOLUME, dryRun: true })).commands, ['drbdsetup secondary stratum-pvc-r']);
  const real = await refused(callAgent(a.client, 'Promote', { volumeId: VOLUME, dryRun: false }));
  assert.is(real.code, grpc.status.FAILED_PRECONDITION);
  assert.match(real.details, 'no DRBD kernel module');
  const unknown = await refused(callAgent(a.client, 'Promote', { volumeId: 'pvc-unknown', dryRun: true }));
  assert.is(unknown.code, grpc.status.NOT_FOUND);
  assert.match(unknown.details, 'call ConfigureReplication first');
});

repl('bad requests get the right code and change nothing', async (ctx) => {
  const a = ctx.agents[0]!;
  const file = path.join(ctx.dir, 'node-a', 'drbd.d', 'stratum-pvc-r.res');
  const before = await readFile(file, 'utf8');
  const cases: [string, ConfigureReplicationRequest, grpc.status, string][] = [
    ['protocol', request(ctx, 0, { protocol: 'B' }), grpc.status.INVALID_ARGUMENT, 'protocol "B"'],
    ['node id', request(ctx, 0, { nodeId: 7 }), grpc.status.INVALID_ARGUMENT, 'node id 7 (this node)'],
    [
      'minor',
      request(ctx, 0, { peers: request(ctx, 0).peers!.map((p) => ({ ...p, minor: 0 })) }),
      grpc.status.INVALID_ARGUMENT,
      'minor of at least 1000',
    ],
    [
      'address',
      request(ctx, 0, { peers: request(ctx, 0).peers!.map((p, i) => (i === 1 ? { ...p, address: '127.0.0.3:7789' } : p)) }),
      grpc.status.INVALID_ARGUMENT,
      'is not an IP address',
    ],
    ['one replica', request(ctx, 0, { peers: request(ctx, 0).peers!.slice(0, 1) }), grpc.status.INVALID_ARGUMENT, '1 replicas given'],
    [
      'host name',
      request(ctx, 0, { peers: request(ctx, 0).peers!.map((p, i) => (i === 0 ? { ...p, node: 'node-x' } : p)) }),
      grpc.status.FAILED_PRECONDITION,
      'drbdadm knows this host as "node-a"',
    ],
    ['volume', request(ctx, 0, { volumeId: 'pvc-nowhere' }), grpc.status.NOT_FOUND, 'pvc-nowhere'],
    ['volume name', request(ctx, 0, { volumeId: '../etc' }), grpc.status.INVALID_ARGUMENT, 'volume name'],
  ];
  for (const [what, req, code, message] of cases) {
    const err = await refused(callAgent(a.client, 'ConfigureReplication', req));
    assert.is(err.code, code, `${what}: ${err.details}`);
    assert.match(err.details, message, what);
  }
  assert.is(await readFile(file, 'utf8'), before, 'the resource file is untouched');
});

repl('a minor already used by another resource on the node is refused', async (ctx) => {
  const a = ctx.agents[0]!;
  await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-clash', pool: 'fast', sizeBytes: String(64 * 1024 * 1024) });
  const err = await refused(callAgent(a.client, 'ConfigureReplication', request(ctx, 0, { volumeId: 'pvc-clash', port: PORT + 1 })));
  assert.is(err.code, grpc.status.ALREADY_EXISTS);
  assert.match(err.details, 'DRBD minor 1000 is already used by resource stratum-pvc-r');
  const ok = await callAgent(
    a.client,
    'ConfigureReplication',
    request(ctx, 0, {
      volumeId: 'pvc-clash',
      port: PORT + 1,
      peers: request(ctx, 0).peers!.map((p) => ({ ...p, minor: p.minor! + 10 })),
    }),
  );
  assert.is(ok.devicePath, '/dev/drbd1010');
});

repl('RemoveReplication removes the resource file and the metadata LV and frees its minor; a second call is a no-op', async (ctx) => {
  const [a] = ctx.agents as [TestAgent, TestAgent];
  const file = path.join(ctx.dir, NAMES[0], 'drbd.d', 'stratum-pvc-r.res');
  await callAgent(a.client, 'ConfigureReplication', request(ctx, 0));
  const res = await callAgent(a.client, 'RemoveReplication', { volumeId: VOLUME });
  assert.is(res.removed, true);
  assert.equal(res.commands, [], 'no DRBD kernel module here: nothing to take down');
  assert.not.ok(
    await readFile(file).then(
      () => true,
      () => false,
    ),
    'the file is gone',
  );
  assert.equal(
    (await lvsOf(a)).map((l) => l.lv_name).filter((n) => n.startsWith('pvc-r')),
    ['pvc-r'],
    'the data LV stays, its metadata LV is gone',
  );
  assert.is((await callAgent(a.client, 'RemoveReplication', { volumeId: VOLUME })).removed, false);
  // The minor is free again: another volume may take it.
  await callAgent(a.client, 'CreateVolume', { volumeId: 'pvc-other', pool: 'fast', sizeBytes: String(8 * 1024 * 1024) });
  const other = await callAgent(a.client, 'ConfigureReplication', request(ctx, 0, { volumeId: 'pvc-other' }));
  assert.is(other.devicePath, '/dev/drbd1000');
  await callAgent(a.client, 'RemoveReplication', { volumeId: 'pvc-other' });
  await callAgent(a.client, 'DeleteVolume', { volumeId: 'pvc-other', pool: 'fast' });
  await callAgent(a.client, 'ConfigureReplication', request(ctx, 0));
});

repl.run();
