// The monitoring objects the cdk8s app writes when stratum.config.yaml switches them on: they
// select the Services that exist, every alert links a runbook section that exists, and every
// metric an alert or the dashboard reads is one the operator or the agent exports.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parser as promql } from '@prometheus-io/lezer-promql';
import { parseAllDocuments } from 'yaml';
import { AgentMetrics } from '../../src/agent/metrics.ts';
import { buildApps } from '../../src/manifests/app.ts';
import { ALERTS } from '../../src/manifests/alerts.ts';
import { resolveConfig } from '../../src/manifests/config.ts';
import { PANELS } from '../../src/manifests/dashboard.ts';
import { OperatorMetrics } from '../../src/operator/runtime/metrics.ts';
import { repoRoot } from '../helpers/crd-validator.ts';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
};

function synth(raw: unknown): Obj[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'stratum-monitoring-'));
  try {
    for (const app of buildApps(resolveConfig(raw), dir)) app.synth();
    const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.yaml'));
    return files.flatMap((f) => parseAllDocuments(readFileSync(path.join(dir, f), 'utf8')).map((d) => ({ ...(d.toJS() as Obj), file: f })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const all = synth({ monitoring: { serviceMonitor: true, prometheusRule: true, grafanaDashboard: true, labels: { release: 'kps' } } });
const ofKind = (kind: string) => all.filter((o) => o.kind === kind);

test('off by default: no monitoring objects', () => {
  const kinds = synth({}).map((o) => o.kind);
  for (const kind of ['ServiceMonitor', 'PrometheusRule']) assert.not.ok(kinds.includes(kind), kind);
});

test("ServiceMonitors select the operator's and the agents' metrics Services, whose pods expose a port named metrics", () => {
  const monitors = ofKind('ServiceMonitor');
  assert.is(monitors.length, 2);
  for (const m of monitors) {
    assert.is(m.metadata.labels?.release, 'kps', 'the configured labels');
    const services = ofKind('Service').filter((s) =>
      Object.entries(m.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => s.metadata.labels?.[k] === v),
    );
    assert.is(services.length, 1, `${m.metadata.name} selects one Service`);
    assert.ok(
      (services[0]!.spec.ports as { name: string }[]).some((p) => p.name === m.spec.endpoints[0].port),
      'the endpoint port exists on the Service',
    );
  }
  const agent = ofKind('DaemonSet')[0]!.spec.template.spec.containers.find((c: { name: string }) => c.name === 'agent');
  assert.ok(
    agent.ports.some((p: { name: string }) => p.name === 'metrics'),
    'the agent container names its metrics port',
  );
  assert.ok(agent.env.some((e: { name: string }) => e.name === 'STRATUM_AGENT_METRICS_LISTEN'));
});

test('every alert links its runbook section by a repo-relative path, and the section exists', () => {
  const runbooks = readFileSync(path.join(repoRoot, 'docs/runbooks.md'), 'utf8');
  const rules = ofKind('PrometheusRule')[0]!.spec.groups[0].rules as {
    alert: string;
    annotations: Record<string, string>;
    labels: Record<string, string>;
  }[];
  assert.equal(
    rules.map((r) => r.alert),
    ALERTS.map((a) => a.alert),
  );
  for (const r of rules) {
    assert.is(r.annotations.runbook_url, `docs/runbooks.md#${r.alert.toLowerCase()}`);
    assert.ok(runbooks.includes(`\n## ${r.alert}\n`), `docs/runbooks.md has a section ${r.alert}`);
    assert.ok(['warning', 'critical'].includes(r.labels.severity!));
  }
  for (const want of ['PoolNearlyFull', 'VolumeDegraded', 'VolumeLost', 'DiskMissing', 'AgentUnavailable', 'ReplicaOutOfSync'])
    assert.ok(
      rules.some((r) => r.alert === `Stratum${want}`),
      want,
    );
});

test('the dashboard is a ConfigMap for the Grafana sidecar holding valid JSON, one query per panel', () => {
  const cm = ofKind('ConfigMap').find((c) => c.metadata.labels?.grafana_dashboard === '1');
  assert.ok(cm, 'a ConfigMap labelled grafana_dashboard=1');
  const dashboard = JSON.parse(cm.data!['stratum.json']!) as { uid: string; panels: { targets: { expr: string }[] }[] };
  assert.is(dashboard.panels.length, PANELS.length);
  assert.equal(
    dashboard.panels.map((p) => p.targets[0]!.expr),
    PANELS.map((p) => p.expr),
  );
});

test('every metric an alert or a panel reads is exported by the operator or the agent', async () => {
  const operator = new OperatorMetrics();
  operator.collectProcessMetrics();
  const agent = new AgentMetrics('n1', { kubeletRegistration: true });
  try {
    const exported = new Set(
      [...(await operator.registry.getMetricsAsJSON()), ...(await agent.registry.getMetricsAsJSON())].map((m) => m.name),
    );
    const used = [...ALERTS.map((a) => a.expr), ...PANELS.map((p) => p.expr)].flatMap((e) => e.match(/\bstratum_[a-z_]+/g) ?? []);
    assert.ok(used.length > 20);
    for (const name of used) assert.ok(exported.has(name.replace(/_(bucket|count|sum)$/, '')), `${name} is exported`);
  } finally {
    agent.close();
  }
});

/** Where Prometheus's own PromQL grammar finds no expression, or undefined when it parses whole. */
function promqlError(expr: string): string | undefined {
  const tree = promql.parse(expr);
  let error: string | undefined;
  tree.iterate({
    enter: (node) => {
      if (node.type.isError && error === undefined)
        error = `syntax error at ${node.from}: ${JSON.stringify(expr.slice(node.from, node.from + 30))}`;
    },
  });
  return error;
}

test('every alert and panel expression is PromQL (parsed by the Prometheus grammar)', () => {
  const rules = ofKind('PrometheusRule').flatMap((r) =>
    r.spec.groups.flatMap((g: { rules: { alert: string; expr: string }[] }) => g.rules),
  );
  const dashboard = JSON.parse(ofKind('ConfigMap').find((c) => c.data?.['stratum.json'])!.data!['stratum.json']!) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  const exprs = [
    ...rules.map((r: { alert: string; expr: string }) => ({ what: `alert ${r.alert}`, expr: r.expr })),
    ...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ what: `panel ${p.title}`, expr: t.expr }))),
  ];
  assert.ok(exprs.length > 20, `${exprs.length} expressions`);
  for (const { what, expr } of exprs) assert.is(promqlError(expr), undefined, `${what}: ${expr}`);
  // The check itself catches what a typo in an alert would look like.
  assert.ok(promqlError('sum(rate(stratum_x[5m])'), 'an unclosed parenthesis');
  assert.ok(promqlError('stratum_x > > 1'), 'a doubled operator');
});

test.run();
