// The text of a DRBD resource file, in the dialect of the node's DRBD. The same resource is
// written on every replica's node; drbdadm on each node picks the `on` section named like that
// host. Each file is complete for `drbdadm -c FILE`: it carries `usage-count no`, without which
// drbdadm stops to ask a question.
import type { DrbdNodeSpec, DrbdResource } from './resource.ts';

const INDENT = '  ';

function endpoint(n: DrbdNodeSpec, port: number): string {
  return n.address.includes(':') ? `ipv6 [${n.address}]:${port}` : `ipv4 ${n.address}:${port}`;
}

// Metadata lives on its own small device (external, flexible): the data device holds the
// volume's bytes and nothing else, so turning replication on never writes over data and the
// replicated device is exactly as big as the data device.
function device(n: DrbdNodeSpec): string[] {
  return [`device minor ${n.minor};`, `disk "${n.disk}";`, `meta-disk "${n.metaDisk}";`];
}

/** DRBD 9: node ids, a volume per `on` section, and one `connection` per pair of nodes. */
function onSection9(n: DrbdNodeSpec, port: number): string[] {
  return [
    `on "${n.name}" {`,
    `${INDENT}node-id ${n.nodeId};`,
    `${INDENT}address ${endpoint(n, port)};`,
    `${INDENT}volume 0 {`,
    ...device(n).map((l) => `${INDENT}${INDENT}${l}`),
    `${INDENT}}`,
    '}',
  ];
}

/** DRBD 8.4: two `on` sections and nothing else; the two hosts are the one connection. */
function onSection84(n: DrbdNodeSpec, port: number): string[] {
  return [`on "${n.name}" {`, ...[...device(n), `address ${endpoint(n, port)};`].map((l) => `${INDENT}${l}`), '}'];
}

/** One `connection` per pair of nodes: a full mesh, so every replica talks to every other. */
function connections(nodes: readonly DrbdNodeSpec[], port: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const [a, b] = [nodes[i] as DrbdNodeSpec, nodes[j] as DrbdNodeSpec];
      out.push(
        'connection {',
        `${INDENT}host "${a.name}" address ${endpoint(a, port)};`,
        `${INDENT}host "${b.name}" address ${endpoint(b, port)};`,
        '}',
      );
    }
  }
  return out;
}

/** Renders a checked resource (see checkResourceSpec). */
export function renderResource(res: DrbdResource): string {
  // With three replicas a majority can decide who may write, so a node cut off from both peers
  // stops with I/O errors instead of diverging (split brain). With two there is no majority to
  // lose without losing service, so quorum stays off.
  const options = res.nodes.length >= 3 ? ['options {', `${INDENT}quorum majority;`, `${INDENT}on-no-quorum io-error;`, '}'] : [];
  const hosts =
    res.flavour === '8.4'
      ? res.nodes.flatMap((n) => onSection84(n, res.port))
      : [...res.nodes.flatMap((n) => onSection9(n, res.port)), ...connections(res.nodes, res.port)];
  const body = [...options, 'net {', `${INDENT}protocol ${res.protocol};`, '}', ...hosts];
  return [
    `# Written by stratum-agent for volume ${res.volumeId} (DRBD ${res.flavour}); the agent rewrites this file, do not edit it.`,
    'global {',
    `${INDENT}usage-count no;`,
    '}',
    `resource "${res.name}" {`,
    ...body.map((l) => `${INDENT}${l}`),
    '}',
    '',
  ].join('\n');
}
