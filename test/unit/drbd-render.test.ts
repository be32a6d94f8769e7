// DRBD resource rendering in both dialects (8.4 and 9), its input checks, minor bookkeeping,
// metadata sizing and drbdadm output parsing. The lab's kernel has DRBD 8.4: the DRBD 9 dialect
// is proven here and by drbdadm's own parser (test/agent/drbd.test.ts) only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  checkResourceSpec,
  protocolFor,
  resourceNameFor,
  type DrbdNodeSpec,
  type DrbdResourceSpec,
} from '../../src/agent/drbd/resource.ts';
import { renderResource } from '../../src/agent/drbd/render.ts';
import { minorOf, minorsInUse } from '../../src/agent/drbd/minors.ts';
import { parseConfigError, parseDryRun, withoutModinfoNoise } from '../../src/agent/drbd/drbdadm.ts';
import { AgentError } from '../../src/agent-api/errors.ts';
import { metadataBytes, metadataDevicePath, metadataLvName } from '../../src/agent/drbd/metadata.ts';
import { drbdVersion, flavourOf, parseProcVersion } from '../../src/agent/drbd/version.ts';

const node = (name: string, nodeId: number, ip: string, minor = 1000): DrbdNodeSpec => ({
  name,
  nodeId,
  address: ip,
  disk: `/dev/vg-${name}/pvc-1`,
  metaDisk: `/dev/vg-${name}/pvc-1_drbdmeta`,
  minor,
});
const two: DrbdResourceSpec = {
  flavour: '9',
  volumeId: 'pvc-1',
  port: 7789,
  protocol: 'C',
  nodes: [node('node-b', 1, '127.0.0.3'), node('node-a', 0, '127.0.0.2')],
};
const three: DrbdResourceSpec = { ...two, nodes: [...two.nodes, node('node-c', 2, '127.0.0.4', 1003)] };

function refused(spec: DrbdResourceSpec, pattern: RegExp): void {
  assert.throws(
    () => checkResourceSpec(spec),
    (e: unknown) => e instanceof AgentError && e.kind === 'InvalidArgument' && pattern.test(e.message),
  );
}

test('two replicas: one connection, nodes in node-id order, no quorum', () => {
  const text = renderResource(checkResourceSpec(two));
  assert.ok(text.startsWith('# Written by stratum-agent for volume pvc-1 (DRBD 9)'));
  assert.match(text, /global \{\n\s+usage-count no;\n\}\nresource "stratum-pvc-1" \{/);
  assert.match(text, /net \{\n\s+protocol C;\n\s+\}/);
  assert.ok(text.indexOf('on "node-a"') < text.indexOf('on "node-b"'), 'sorted by node id');
  assert.match(
    text,
    /on "node-a" \{\n\s+node-id 0;\n\s+address ipv4 127\.0\.0\.2:7789;\n\s+volume 0 \{\n\s+device minor 1000;\n\s+disk "\/dev\/vg-node-a\/pvc-1";\n\s+meta-disk "\/dev\/vg-node-a\/pvc-1_drbdmeta";/,
  );
  assert.is(text.match(/connection \{/g)?.length, 1);
  assert.not.match(text, 'quorum');
});

test('three replicas: full mesh of three connections and quorum majority', () => {
  const text = renderResource(checkResourceSpec(three));
  assert.is(text.match(/connection \{/g)?.length, 3);
  for (const [a, b] of [
    ['node-a', 'node-b'],
    ['node-a', 'node-c'],
    ['node-b', 'node-c'],
  ]) {
    assert.match(text, new RegExp(`connection \\{\\n\\s+host "${a}" address ipv4 [0-9.]+:7789;\\n\\s+host "${b}" address`));
  }
  assert.match(text, /quorum majority;\n\s+on-no-quorum io-error;/);
  assert.match(text, /on "node-c" \{[^}]*device minor 1003;/);
});

test('DRBD 8.4: two `on` sections with device, disk, external metadata and address; no node ids, no connection section', () => {
  const text = renderResource(checkResourceSpec({ ...two, flavour: '8.4' }));
  assert.ok(text.startsWith('# Written by stratum-agent for volume pvc-1 (DRBD 8.4)'));
  assert.match(text, /global \{\n\s+usage-count no;\n\}/);
  assert.match(
    text,
    /on "node-a" \{\n\s+device minor 1000;\n\s+disk "\/dev\/vg-node-a\/pvc-1";\n\s+meta-disk "\/dev\/vg-node-a\/pvc-1_drbdmeta";\n\s+address ipv4 127\.0\.0\.2:7789;\n\s+\}/,
  );
  assert.not.match(text, 'node-id');
  assert.not.match(text, 'connection');
  assert.not.match(text, 'volume 0');
  assert.is(minorOf(text, 'node-b'), 1000);
  refused({ ...three, flavour: '8.4' }, /3 replicas given, DRBD 8\.4 replication needs 2 to 2/);
});

test('DRBD version: 8.4 takes two replicas, 9 three; anything else is not driven', () => {
  assert.is(parseProcVersion('version: 8.4.11 (api:1/proto:86-101)\nsrcversion: 211FB288A383ED945B83420\n'), '8.4.11');
  assert.is(parseProcVersion('nothing'), undefined);
  assert.equal(drbdVersion('8.4.11', 'loaded'), { version: '8.4.11', flavour: '8.4', maxReplicas: 2, loaded: true, source: 'loaded' });
  assert.equal(drbdVersion('9.2.12', 'installed'), { version: '9.2.12', flavour: '9', maxReplicas: 3, loaded: false, source: 'installed' });
  assert.is(flavourOf('8.3.16'), undefined);
  assert.is(drbdVersion('garbage', 'assumed'), undefined);
});

test("metadata LV: named beside the data LV, sized for two peers' bitmaps plus superblock and activity log", () => {
  assert.is(metadataLvName('pvc-1'), 'pvc-1_drbdmeta');
  assert.is(metadataDevicePath('/dev/stratum-fast/pvc-1'), '/dev/stratum-fast/pvc-1_drbdmeta');
  const MiB = 1024n * 1024n;
  // 1 GiB: 32 KiB of bitmap per peer; the whole fits in a MiB, plus a spare MiB.
  assert.is(metadataBytes(1024n * MiB, 2), 2n * MiB);
  // 1 TiB: 32 MiB of bitmap per peer.
  assert.is(metadataBytes(1024n * 1024n * MiB, 2), 66n * MiB);
  assert.ok(metadataBytes(1024n * 1024n * MiB, 1) < metadataBytes(1024n * 1024n * MiB, 2));
});

test('consistency picks the protocol: sync → C, async → A', () => {
  assert.is(protocolFor('sync'), 'C');
  assert.is(protocolFor('async'), 'A');
  assert.match(renderResource(checkResourceSpec({ ...two, protocol: protocolFor('async') })), 'protocol A;');
});

test('IPv6 addresses are bracketed', () => {
  const text = renderResource(checkResourceSpec({ ...two, nodes: [node('a', 0, 'fd00::1'), node('b', 1, 'fd00::2')] }));
  assert.match(text, 'address ipv6 [fd00::1]:7789;');
});

test('bad input is refused with the field named', () => {
  refused({ ...two, nodes: [two.nodes[0] as DrbdNodeSpec] }, /1 replicas given.*2 to 3/);
  refused({ ...three, nodes: [...three.nodes, node('node-d', 3, '127.0.0.5')] }, /4 replicas/);
  refused({ ...two, volumeId: 'PVC/../x' }, /volume name/);
  refused({ ...two, volumeId: 'pvc;rm -rf' }, /volume name/);
  refused({ ...two, port: 0 }, /port 0/);
  refused({ ...two, port: 70_000 }, /port 70000/);
  refused({ ...two, protocol: 'B' as 'C' }, /protocol "B"/);
  refused({ ...two, nodes: [node('a', 0, '127.0.0.2'), node('b', 0, '127.0.0.3')] }, /node id 0 is given to more than one node/);
  refused({ ...two, nodes: [node('a', 0, '127.0.0.2'), node('b', 1, '127.0.0.2')] }, /address "127.0.0.2" is given to more than one/);
  refused({ ...two, nodes: [node('a', 0, '127.0.0.2'), node('a', 1, '127.0.0.3')] }, /node name "a"/);
  refused({ ...two, nodes: [node('a', 0, 'not-an-ip'), node('b', 1, '127.0.0.3')] }, /address "not-an-ip"/);
  refused({ ...two, nodes: [node('a";}', 0, '127.0.0.2'), node('b', 1, '127.0.0.3')] }, /not a host name/);
  refused({ ...two, nodes: [{ ...node('a', 0, '127.0.0.2'), disk: '/dev/x"; }' }, node('b', 1, '127.0.0.3')] }, /backing device/);
  refused({ ...two, nodes: [{ ...node('a', 0, '127.0.0.2'), disk: '/dev/../etc/passwd' }, node('b', 1, '127.0.0.3')] }, /backing device/);
  refused(
    { ...two, nodes: [{ ...node('a', 0, '127.0.0.2'), metaDisk: 'relative' }, node('b', 1, '127.0.0.3')] },
    /metadata device "relative"/,
  );
  refused({ ...two, nodes: [node('a', 32, '127.0.0.2'), node('b', 1, '127.0.0.3')] }, /node id 32/);
  refused({ ...two, nodes: [node('a', 0, '127.0.0.2', 2 ** 20), node('b', 1, '127.0.0.3')] }, /minor 1048576/);
});

test('resource name is the volume id with the Stratum prefix', () => {
  assert.is(resourceNameFor('pvc-0f1e'), 'stratum-pvc-0f1e');
});

test('minors: read back from rendered files per host', () => {
  const text = renderResource(checkResourceSpec(three));
  assert.is(minorOf(text, 'node-c'), 1003);
  assert.is(minorOf(text, 'node-a'), 1000);
  assert.is(minorOf(text, 'node-x'), undefined);
  const used = minorsInUse(
    new Map([
      ['stratum-pvc-1', text],
      ['other', 'resource "other" {}'],
    ]),
    'node-c',
  );
  assert.equal([...used], [[1003, 'stratum-pvc-1']]);
});

test('drbdadm output: parse errors with their line, dry-run commands, modinfo noise dropped', () => {
  const stderr =
    "modinfo: ERROR: Module drbd not found.\n/tmp/x/r.res:2: Parse error: while parsing value ('Q')\nfor protocol. Value is not valid.\nAllowed values are: A | B | C\n";
  const e = parseConfigError('/tmp/x/r.res', stderr);
  assert.is(e.line, 2);
  assert.match(e.detail, "Parse error: while parsing value ('Q') for protocol. Value is not valid. Allowed values are: A | B | C");
  assert.equal(parseConfigError('/tmp/x/r.res', "Can not open '/tmp/x/r.res'.\n"), { detail: "Can not open '/tmp/x/r.res'." });
  assert.is(withoutModinfoNoise('modinfo: ERROR: Module drbd not found.\nreal problem\n'), 'real problem');
  const out = '\ndrbdsetup new-resource r 1\n   found __DRBD_NODE__ in environment\ndrbdmeta 1001 v09 /dev/loop6 internal apply-al\n';
  assert.equal(parseDryRun(out), ['drbdsetup new-resource r 1', 'drbdmeta 1001 v09 /dev/loop6 internal apply-al']);
  const out84 = '/lib/drbd/drbdsetup-84 new-resource r\ndrbdmeta 1000 v08 /dev/vg/x_drbdmeta flex-external apply-al\n';
  assert.equal(parseDryRun(out84), ['drbdsetup-84 new-resource r', 'drbdmeta 1000 v08 /dev/vg/x_drbdmeta flex-external apply-al']);
});

test.run();
