// The text of a DRBD 9 resource file. The same file is written on every replica's node; drbdadm
// on each node picks the `on` section named like that host.
import type { DrbdNodeSpec, DrbdResource } from './resource.ts';

const INDENT = '  ';

function endpoint(n: DrbdNodeSpec, port: number): string {
  return n.address.includes(':') ? `ipv6 [${n.address}]:${port}` : `ipv4 ${n.address}:${port}`;
}

function onSection(n: DrbdNodeSpec, port: number): string[] {
  return [
    `on "${n.name}" {`,
    `${INDENT}node-id ${n.nodeId};`,
    `${INDENT}address ${endpoint(n, port)};`,
    `${INDENT}volume 0 {`,
    `${INDENT}${INDENT}device minor ${n.minor};`,
    `${INDENT}${INDENT}disk "${n.disk}";`,
    // Metadata at the end of the backing device: the volume needs no second device, and the
    // replicated device is that much smaller than the LV.
    `${INDENT}${INDENT}meta-disk internal;`,
    `${INDENT}}`,
    '}',
  ];
}

/** One `connection` per pair of nodes: a full mesh, so every replica talks to every other. */
function connections(nodes: readonly DrbdNodeSpec[], port: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const [a, b] = [nodes[i] as DrbdNodeSpec, nodes[j] as DrbdNodeSpec];
      out.push('connection {', `${INDENT}host "${a.name}" address ${endpoint(a, port)};`, `${INDENT}host "${b.name}" address ${endpoint(b, port)};`, '}');
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
  const body = [
    ...options,
    'net {',
    `${INDENT}protocol ${res.protocol};`,
    '}',
    ...res.nodes.flatMap((n) => onSection(n, res.port)),
    ...connections(res.nodes, res.port),
  ];
  return [
    `# Written by stratum-agent for volume ${res.volumeId}; the agent rewrites this file, do not edit it.`,
    `resource "${res.name}" {`,
    ...body.map((l) => `${INDENT}${l}`),
    '}',
    '',
  ].join('\n');
}
