// Prometheus Operator and Grafana objects, each switched on in stratum.config.yaml (`monitoring`):
// ServiceMonitors for the operator's and the agents' /metrics, a PrometheusRule with the alerts of
// alerts.ts, and the dashboard as a ConfigMap the Grafana sidecar picks up (grafana_dashboard=1).
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { AGENT_POD_LABELS, OPERATOR_POD_LABELS } from '../common/constants.ts';
import { ALERTS, runbookLink } from './alerts.ts';
import type { ResolvedConfig } from './config.ts';
import { dashboardJson } from './dashboard.ts';
import { METRICS_SERVICE_LABELS, PART_OF } from './labels.ts';

export const PROMETHEUS_RULE_NAME = 'stratum';

/** The PrometheusRule's `spec`: one group, every alert with its runbook. */
export function prometheusRuleSpec() {
  return {
    groups: [
      {
        name: 'stratum',
        rules: ALERTS.map((a) => ({
          alert: a.alert,
          expr: a.expr,
          for: a.for,
          labels: { severity: a.severity },
          annotations: { summary: a.summary, description: a.description, runbook_url: runbookLink(a.alert) },
        })),
      },
    ],
  };
}

export function createMonitoring(scope: Construct, config: ResolvedConfig): void {
  const { namespace } = config;
  const m = config.monitoring;
  const labels = { ...PART_OF, ...m.labels };
  if (m.serviceMonitor) {
    for (const [component, selector] of [
      ['operator', OPERATOR_POD_LABELS],
      ['agent', AGENT_POD_LABELS],
    ] as const) {
      new ApiObject(scope, `${component}-service-monitor`, {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: `stratum-${component}`, namespace, labels },
        spec: {
          selector: { matchLabels: { ...selector, ...METRICS_SERVICE_LABELS } },
          namespaceSelector: { matchNames: [namespace] },
          endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
        },
      });
    }
  }
  if (m.prometheusRule) {
    new ApiObject(scope, 'prometheus-rule', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: PROMETHEUS_RULE_NAME, namespace, labels },
      spec: prometheusRuleSpec(),
    });
  }
  if (m.grafanaDashboard) {
    new ApiObject(scope, 'grafana-dashboard', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'stratum-dashboard', namespace, labels: { ...PART_OF, grafana_dashboard: '1' } },
      data: { 'stratum.json': dashboardJson() },
    });
  }
}
