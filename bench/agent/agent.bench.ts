// Agent benchmark (not part of the test suite): `npm run bench:agent`.
//  1. CreateVolume throughput: 500 volumes on one agent, one at a time and 8 in flight.
//  2. ListVolumes latency with 1,000 LVs in the pool.
// One agent with one sparse 2 TiB loop device as PV (`--pv-metadata-size 64m`, docs/agent.md); LVM
// runs for real with activation off. Prints the figures as JSON lines and a summary table.
import { performance } from 'node:perf_hooks';
import type { AgentClient } from '../../src/agent-api/client.ts';
import { AgentHarness, callAgent } from '../../test/helpers/agent-harness.ts';

const TiB = 1024 ** 4;
const GiB = 1024 ** 3;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function creates(client: AgentClient, ids: readonly string[], inFlight: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const res = await callAgent(client, 'CreateVolume', { volumeId: id, pool: 'bench', sizeBytes: GiB }, 120_000);
      if (!res.created) throw new Error(`${id} was not created`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const h = await AgentHarness.start({ agents: 1, loopsPerAgent: 1, loopSizeBytes: 2 * TiB, extraArgs: ['--pv-metadata-size', '64m'] });
  try {
    const [a] = h.agents;
    const { disks } = await callAgent(a!.client, 'ListDisks', {});
    await callAgent(a!.client, 'EnsurePool', { name: 'bench', backend: 'POOL_BACKEND_LVM', disks: disks.map((d) => d.id) });

    const seqIds = Array.from({ length: 250 }, (_, i) => `bench-s${i}`);
    const parIds = Array.from({ length: 250 }, (_, i) => `bench-p${i}`);
    const seqSeconds = await creates(a!.client, seqIds, 1);
    const parSeconds = await creates(a!.client, parIds, 8);
    const total500 = seqSeconds + parSeconds;
    const results: Record<string, number | string> = {
      'creates 1-250 (1 in flight) per s': +(250 / seqSeconds).toFixed(1),
      'creates 251-500 (8 in flight) per s': +(250 / parSeconds).toFixed(1),
      'creates 500 total per s': +(500 / total500).toFixed(1),
    };

    const fillSeconds = await creates(
      a!.client,
      Array.from({ length: 500 }, (_, i) => `bench-f${i}`),
      8,
    );
    results['creates 501-1000 (8 in flight) per s'] = +(500 / fillSeconds).toFixed(1);
    const lvCount = (await a!.lvm('lvs', ['--noheadings', '-o', 'lv_name', 'stratum-bench'])).trim().split('\n').length;
    results['LVs in pool'] = lvCount;

    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const { volumes } = await callAgent(a!.client, 'ListVolumes', {}, 60_000);
      latencies.push(performance.now() - t0);
      if (volumes.length !== 1000) throw new Error(`ListVolumes returned ${volumes.length} volumes, expected 1000`);
    }
    latencies.sort((x, y) => x - y);
    results['ListVolumes @1000 LVs p50 ms'] = +percentile(latencies, 50).toFixed(1);
    results['ListVolumes @1000 LVs p95 ms'] = +percentile(latencies, 95).toFixed(1);
    results['ListVolumes @1000 LVs max ms'] = +latencies[latencies.length - 1]!.toFixed(1);

    const poolT0 = performance.now();
    await callAgent(a!.client, 'ListPools', {});
    results['ListPools @1000 LVs ms'] = +(performance.now() - poolT0).toFixed(1);

    for (const [k, v] of Object.entries(results)) process.stdout.write(`${JSON.stringify({ metric: k, value: v })}\n`);
    console.table(results);
  } finally {
    await h.cleanup();
  }
}

await main();
