// The Grafana dashboard, as JSON for the Grafana sidecar: a row per concern, each panel one PromQL
// query over Stratum's metrics (a panel list is easier to review than hand-written JSON).
interface Panel {
  readonly title: string;
  readonly expr: string;
  readonly legend: string;
  readonly unit: string;
  readonly kind: 'timeseries' | 'stat';
}

export const DASHBOARD_UID = 'stratum-overview';

export const PANELS: readonly Panel[] = [
  {
    title: 'Pool free share by node',
    expr: 'stratum_pool_free_bytes / (stratum_pool_capacity_bytes > 0)',
    legend: '{{pool}} @ {{node}}',
    unit: 'percentunit',
    kind: 'timeseries',
  },
  {
    title: 'Pool capacity',
    expr: 'sum by (pool) (stratum_pool_capacity_bytes)',
    legend: '{{pool}} capacity',
    unit: 'bytes',
    kind: 'timeseries',
  },
  {
    title: 'Pool allocatable by node',
    expr: 'stratum_pool_allocatable_bytes',
    legend: '{{pool}} @ {{node}}',
    unit: 'bytes',
    kind: 'timeseries',
  },
  { title: 'Volumes by phase', expr: 'sum by (phase) (stratum_volume_phase == 1)', legend: '{{phase}}', unit: 'short', kind: 'stat' },
  {
    title: 'Volumes with no ready replica',
    expr: 'count(stratum_volume_ready_replicas == 0) or vector(0)',
    legend: 'lost',
    unit: 'short',
    kind: 'stat',
  },
  {
    title: 'Replica sync',
    expr: 'stratum_replica_synced_ratio < 1',
    legend: '{{replica}} @ {{node}}',
    unit: 'percentunit',
    kind: 'timeseries',
  },
  {
    title: 'Eviction progress',
    expr: 'stratum_volume_eviction_copied_bytes / (stratum_volume_eviction_total_bytes > 0)',
    legend: '{{volume}} {{from}} → {{to}}',
    unit: 'percentunit',
    kind: 'timeseries',
  },
  { title: 'Disks by state', expr: 'sum by (state) (stratum_disk_state == 1)', legend: '{{state}}', unit: 'short', kind: 'stat' },
  { title: 'Agents connected', expr: 'stratum_agent_connected', legend: '{{node}}', unit: 'short', kind: 'timeseries' },
  {
    title: 'Agent call latency p95 by method',
    expr: 'histogram_quantile(0.95, sum by (method, le) (rate(stratum_agent_call_duration_seconds_bucket[5m])))',
    legend: '{{method}}',
    unit: 's',
    kind: 'timeseries',
  },
  {
    title: 'Node command duration p95 (LVM, DRBD, mkfs)',
    expr: 'histogram_quantile(0.95, sum by (command, le) (rate(stratum_agent_command_duration_seconds_bucket[5m])))',
    legend: '{{command}}',
    unit: 's',
    kind: 'timeseries',
  },
  {
    title: 'Failed node commands',
    expr: 'sum by (node, command) (rate(stratum_agent_command_duration_seconds_count{result="error"}[5m]))',
    legend: '{{command}} @ {{node}}',
    unit: 'ops',
    kind: 'timeseries',
  },
  {
    title: 'Reconcile errors',
    expr: 'sum by (kind) (rate(stratum_reconcile_errors_total[5m]))',
    legend: '{{kind}}',
    unit: 'ops',
    kind: 'timeseries',
  },
  { title: 'Work queue depth', expr: 'stratum_workqueue_depth', legend: '{{name}}', unit: 'short', kind: 'timeseries' },
];

export function dashboardJson(): string {
  const panels = PANELS.map((p, i) => ({
    id: i + 1,
    type: p.kind,
    title: p.title,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's dashboard variable, filled in by Grafana
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos: { h: 8, w: 8, x: (i % 3) * 8, y: Math.floor(i / 3) * 8 },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    targets: [{ refId: 'A', expr: p.expr, legendFormat: p.legend }],
  }));
  return JSON.stringify(
    {
      uid: DASHBOARD_UID,
      title: 'Stratum',
      tags: ['stratum', 'storage'],
      schemaVersion: 39,
      time: { from: 'now-6h', to: 'now' },
      refresh: '1m',
      templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Data source' }] },
      panels,
    },
    null,
    2,
  );
}
