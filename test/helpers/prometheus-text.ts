// Samples of a Prometheus text exposition, for tests that scrape /metrics and check values.
export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(LABEL)) labels[k!] = v!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** A Prometheus text exposition's samples of one metric, summed by `key` of their labels. */
export function summedSamples(text: string, metric: string, key: (label: (name: string) => string) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const sample of parseSamples(text)) {
    if (sample.name !== metric) continue;
    const k = key((name) => sample.labels[name] ?? '');
    counts.set(k, (counts.get(k) ?? 0) + sample.value);
  }
  return counts;
}
