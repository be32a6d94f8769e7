// DRBD resource files checked by the real drbdadm parser, and the command sequences of each
// node's view of a resource, from drbdadm's dry run. There is no DRBD kernel module here: nothing
// reaches the kernel. Each node's drbdadm runs in its own UTS namespace (nsenter), so it sees its
// own host name and picks its own `on` section.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../src/common/exec.ts';
import { cleanupAll, unmountAll } from '../helpers/cleanup.ts';
import { checkResourceSpec, type DrbdNodeSpec, type DrbdResource, type DrbdResourceSpec } from '../../src/agent/drbd/resource.ts';
import { renderResource } from '../../src/agent/drbd/render.ts';
import { resourceFilePath, writeResourceFile } from '../../src/agent/drbd/files.ts';
import { Drbdadm, DrbdConfigError, makeUtsNamespace } from '../../src/agent/drbd/drbdadm.ts';
import { bringUp, createMetadata, DEMOTE, PROMOTE, PROMOTE_AS_SYNC_SOURCE, RESIZE } from '../../src/agent/drbd/lifecycle.ts';

const PORT = 7789;
const NODES: readonly DrbdNodeSpec[] = [
  { name: 'node-a', nodeId: 0, address: '127.0.0.2', disk: '/dev/stratum-a/pvc-1', metaDisk: '/dev/stratum-a/pvc-1_drbdmeta', minor: 1000 },
  { name: 'node-b', nodeId: 1, address: '127.0.0.3', disk: '/dev/stratum-b/pvc-1', metaDisk: '/dev/stratum-b/pvc-1_drbdmeta', minor: 1001 },
  { name: 'node-c', nodeId: 2, address: '127.0.0.4', disk: '/dev/stratum-c/pvc-1', metaDisk: '/dev/stratum-c/pvc-1_drbdmeta', minor: 1002 },
];

interface Ctx {
  dir: string;
  /** One drbdadm per node, each in a UTS namespace named like the node. */
  views: Map<string, Drbdadm>;
  /** The same, with DRBD 8.4's drbdadm. */
  views84: Map<string, Drbdadm>;
  namespaces: string[];
}

const drbd = suite<Ctx>('agent/drbd');

drbd.before(async (ctx) => {
  ctx.dir = await mkdtemp(path.join(tmpdir(), 'stratum-drbd-'));
  ctx.views = new Map();
  ctx.views84 = new Map();
  ctx.namespaces = [];
  for (const n of NODES) {
    const ns = path.join(ctx.dir, `uts-${n.name}`);
    await makeUtsNamespace(ns, n.name);
    ctx.namespaces.push(ns);
    ctx.views.set(n.name, new Drbdadm({ utsNamespace: ns }));
    ctx.views84.set(n.name, new Drbdadm({ utsNamespace: ns, flavour: '8.4' }));
  }
});

drbd.after(async (ctx) => {
  await cleanupAll('agent/drbd cleanup', [
    ...ctx.namespaces.map((ns) => () => unmountAll(ns)),
    () => rm(ctx.dir, { recursive: true, force: true }),
  ]);
});

function view(ctx: Ctx, name: string): Drbdadm {
  const v = ctx.views.get(name);
  if (!v) throw new Error(`no view for ${name}`);
  return v;
}

async function write(
  ctx: Ctx,
  spec: Omit<DrbdResourceSpec, 'flavour'> & { flavour?: DrbdResourceSpec['flavour'] },
): Promise<{ res: DrbdResource; file: string; changed: boolean }> {
  const res = checkResourceSpec({ flavour: '9', ...spec });
  const checker = new Drbdadm({ flavour: res.flavour });
  const { path: file, changed } = await writeResourceFile(path.join(ctx.dir, 'drbd.d'), res.name, renderResource(res), (tmp) =>
    checker.check(tmp),
  );
  return { res, file, changed };
}

drbd('each UTS namespace has its own host name', async (ctx) => {
  for (const [i, n] of NODES.entries()) {
    const { stdout } = await run('nsenter', [`--uts=${ctx.namespaces[i]}`, '--', 'uname', '-n']);
    assert.is(stdout.trim(), n.name);
  }
});

drbd('two replicas, protocol C: drbdadm accepts the file; a rewrite with the same content is a no-op', async (ctx) => {
  const spec: DrbdResourceSpec = { flavour: '9', volumeId: 'pvc-two', port: PORT, protocol: 'C', nodes: NODES.slice(0, 2) };
  const first = await write(ctx, spec);
  assert.is(first.changed, true);
  assert.is(first.file, resourceFilePath(path.join(ctx.dir, 'drbd.d'), 'stratum-pvc-two'));
  assert.is((await write(ctx, spec)).changed, false);
  const dump = await new Drbdadm().check(first.file);
  assert.match(dump, 'resource stratum-pvc-two {');
  assert.match(dump, /protocol\s+C;/);
  assert.match(dump, /on node-a \{\s+node-id 0;/);
  assert.match(dump, /device\s+minor 1001;\s+disk\s+\/dev\/stratum-b\/pvc-1;\s+meta-disk\s+\/dev\/stratum-b\/pvc-1_drbdmeta;/);
  assert.match(dump, /usage-count no;/);
  assert.is(dump.match(/connection \{/g)?.length, 1);
  assert.equal((await readdir(path.join(ctx.dir, 'drbd.d'))).sort(), ['stratum-pvc-two.res'], 'no temporary files left behind');
});

drbd('three replicas, protocol A: full mesh and quorum pass drbdadm', async (ctx) => {
  const { file } = await write(ctx, { volumeId: 'pvc-three', port: PORT, protocol: 'A', nodes: NODES });
  const dump = await new Drbdadm().check(file);
  assert.match(dump, /protocol\s+A;/);
  assert.not.match(dump, /protocol\s+C;/);
  assert.is(dump.match(/connection \{/g)?.length, 3);
  assert.match(dump, /quorum\s+majority;/);
});

drbd('a corrupted file is refused with its line; a bad render never replaces a good file', async (ctx) => {
  const { file } = await write(ctx, { volumeId: 'pvc-corrupt', port: PORT, protocol: 'C', nodes: NODES.slice(0, 2) });
  const good = await readFile(file, 'utf8');
  const lines = good.split('\n');
  const protocolLine = lines.findIndex((l) => l.includes('protocol C;'));
  const corrupted = path.join(ctx.dir, 'corrupted.res');
  await writeFile(corrupted, lines.map((l, i) => (i === protocolLine ? l.replace('protocol C;', 'protocol Q;') : l)).join('\n'));
  const err = await new Drbdadm().check(corrupted).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof DrbdConfigError, String(err));
  assert.is(err.line, protocolLine + 1);
  assert.match(err.message, `${corrupted} at line ${protocolLine + 1}`);
  assert.match(err.detail, 'Allowed values are: A | B | C');

  const refused = await writeResourceFile(path.dirname(file), 'stratum-pvc-corrupt', good.replace('protocol C;', 'protocol Q;'), (tmp) =>
    new Drbdadm().check(tmp),
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(refused instanceof DrbdConfigError);
  assert.is(await readFile(file, 'utf8'), good, 'the live file is untouched');
  assert.equal(
    (await readdir(path.dirname(file))).filter((f) => f.includes('corrupt')),
    ['stratum-pvc-corrupt.res'],
    'the temporary file is gone',
  );
});

drbd('dry-run up: each of three nodes sets up its own minor and disk, and a peer, path and connect per other node', async (ctx) => {
  const { res, file } = await write(ctx, { volumeId: 'pvc-mesh', port: PORT, protocol: 'C', nodes: NODES });
  for (const self of NODES) {
    const cmds = await view(ctx, self.name).dryRun(file, ['up'], res.name);
    assert.is(cmds[0], `drbdsetup new-resource ${res.name} ${self.nodeId} --quorum=majority --on-no-quorum=io-error`, self.name);
    assert.ok(cmds.includes(`drbdsetup new-minor ${res.name} ${self.minor} 0`), `${self.name}: ${cmds.join('\n')}`);
    assert.ok(cmds.includes(`drbdsetup attach ${self.minor} ${self.disk} ${self.metaDisk} flexible`), self.name);
    for (const peer of NODES.filter((n) => n !== self)) {
      assert.ok(
        cmds.includes(`drbdsetup new-peer ${res.name} ${peer.nodeId} --_name=${peer.name} --protocol=C`),
        `${self.name} → ${peer.name}`,
      );
      assert.ok(
        cmds.includes(`drbdsetup new-path ${res.name} ${peer.nodeId} ipv4:${self.address}:${PORT} ipv4:${peer.address}:${PORT}`),
        `${self.name} → ${peer.name}`,
      );
      assert.ok(cmds.includes(`drbdsetup connect ${res.name} ${peer.nodeId}`), `${self.name} → ${peer.name}`);
    }
    assert.not.ok(
      cmds.some((c) => c.includes(`--_name=${self.name}`)),
      `${self.name} is not its own peer`,
    );
    // The agent's own "up" is `adjust`, which on a resource that is down issues the same commands.
    assert.equal(await bringUp(view(ctx, self.name), { file, resource: res.name, dryRun: true }), cmds, self.name);
  }
});

drbd('dry-run up for two replicas, protocol A: one peer each way', async (ctx) => {
  const { res, file } = await write(ctx, { volumeId: 'pvc-async', port: 7790, protocol: 'A', nodes: NODES.slice(0, 2) });
  const a = await view(ctx, 'node-a').dryRun(file, ['up'], res.name);
  const b = await view(ctx, 'node-b').dryRun(file, ['up'], res.name);
  assert.ok(a.includes(`drbdsetup new-peer ${res.name} 1 --_name=node-b --protocol=A`), a.join('\n'));
  assert.ok(a.includes(`drbdsetup new-path ${res.name} 1 ipv4:127.0.0.2:7790 ipv4:127.0.0.3:7790`));
  assert.ok(b.includes(`drbdsetup new-peer ${res.name} 0 --_name=node-a --protocol=A`), b.join('\n'));
  assert.ok(b.includes(`drbdsetup new-path ${res.name} 0 ipv4:127.0.0.3:7790 ipv4:127.0.0.2:7790`));
  assert.is(a[0], `drbdsetup new-resource ${res.name} 0`, 'no quorum options with two replicas');
});

drbd(
  'DRBD 8.4: drbdadm-84 accepts the 8.4 file; each node attaches its data and external metadata and connects to the other',
  async (ctx) => {
    const { res, file } = await write(ctx, { flavour: '8.4', volumeId: 'pvc-84', port: 7791, protocol: 'A', nodes: NODES.slice(0, 2) });
    const dump = await new Drbdadm({ flavour: '8.4' }).check(file);
    assert.match(dump, /protocol\s+A;/);
    assert.match(dump, /usage-count no;/);
    // The DRBD 9 parser reads the 8.4 dialect too; the 8.4 parser refuses the DRBD 9 one.
    await new Drbdadm().check(file);
    const nine = await write(ctx, { volumeId: 'pvc-84-as-9', port: 7792, protocol: 'C', nodes: NODES.slice(0, 2) });
    const refused = await new Drbdadm({ flavour: '8.4' }).check(nine.file).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(refused instanceof DrbdConfigError, String(refused));
    assert.match(refused.detail, 'node-id');
    const pairs: [DrbdNodeSpec, DrbdNodeSpec][] = [
      [NODES[0]!, NODES[1]!],
      [NODES[1]!, NODES[0]!],
    ];
    for (const [self, peer] of pairs) {
      const view = ctx.views84.get(self.name)!;
      const cmds = await view.dryRun(file, ['up'], res.name);
      assert.ok(cmds.includes(`drbdsetup-84 new-minor ${res.name} ${self.minor} 0`), `${self.name}: ${cmds.join('\n')}`);
      assert.ok(cmds.includes(`drbdsetup-84 attach ${self.minor} ${self.disk} ${self.metaDisk} flexible`), self.name);
      assert.ok(
        cmds.includes(`drbdsetup-84 connect ${res.name} ipv4:${self.address}:7791 ipv4:${peer.address}:7791 --protocol=A`),
        self.name,
      );
      assert.equal(
        await bringUp(view, { file, resource: res.name, dryRun: true }),
        cmds,
        `${self.name}: adjust on a resource that is down is a full up`,
      );
      assert.equal(
        await view.dryRun(file, createMetadata(view), res.name),
        [`drbdmeta ${self.minor} v08 ${self.metaDisk} flex-external create-md`],
        'metadata only on the metadata LV, never --force',
      );
      assert.equal(await view.dryRun(file, PROMOTE_AS_SYNC_SOURCE, res.name), [`drbdsetup-84 primary ${self.minor} --force`]);
      assert.equal(await view.dryRun(file, RESIZE, res.name), [
        `drbdsetup-84 resize ${self.minor}`,
        `drbdsetup-84 check-resize ${self.minor}`,
      ]);
    }
  },
);

drbd('dry-run promote and demote; a host with no `on` section is refused', async (ctx) => {
  const { res, file } = await write(ctx, { volumeId: 'pvc-roles', port: PORT, protocol: 'C', nodes: NODES.slice(0, 2) });
  assert.equal(await view(ctx, 'node-a').dryRun(file, PROMOTE, res.name), [`drbdsetup primary ${res.name}`]);
  assert.equal(await view(ctx, 'node-b').dryRun(file, DEMOTE, res.name), [`drbdsetup secondary ${res.name}`]);
  const outsider = await view(ctx, 'node-c')
    .dryRun(file, ['up'], res.name)
    .then(
      () => undefined,
      (e: Error) => e,
    );
  assert.ok(outsider, 'node-c is not part of this resource');
  assert.match(outsider.message, 'not defined in your config (for this host)');
});

drbd("in a node's own namespace, drbdadm also checks that the node's address is configured on this host", async (ctx) => {
  const { file } = await write(ctx, { volumeId: 'pvc-own-ip', port: PORT, protocol: 'C', nodes: NODES.slice(0, 2) });
  // 127.0.0.2 is routed to lo but not configured on it: node-a's own check fails, node-c (no section) does not check.
  const err = await view(ctx, 'node-a')
    .check(file)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  assert.ok(err instanceof DrbdConfigError, String(err));
  assert.match(err.detail, 'IP 127.0.0.2 not found on this host');
  await view(ctx, 'node-c').check(file);
  const onLo = await write(ctx, {
    volumeId: 'pvc-on-lo',
    port: PORT,
    protocol: 'C',
    nodes: [{ ...NODES[0]!, address: '127.0.0.1' }, NODES[1]!],
  });
  await view(ctx, 'node-a').check(onLo.file);
});

drbd.run();
