// The alerts Stratum ships, one source for the PrometheusRule and the runbook index: each names
// its runbook section in docs/runbooks.md by the alert's name, lower-cased (GitHub's anchor).
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: 'warning' | 'critical';
  readonly summary: string;
  readonly description: string;
}

export const RUNBOOKS_PATH = 'docs/runbooks.md';
export const runbookLink = (alert: string) => `${RUNBOOKS_PATH}#${alert.toLowerCase()}`;

export const ALERTS: readonly AlertRule[] = [
  {
    alert: 'StratumPoolNearlyFull',
    expr: 'stratum_pool_free_bytes / (stratum_pool_capacity_bytes > 0) < 0.10',
    for: '15m',
    severity: 'warning',
    summary: 'Pool {{ $labels.pool }} on node {{ $labels.node }} is more than 90% full.',
    description:
      'Only {{ $value | humanizePercentage }} of pool {{ $labels.pool }} is free on node {{ $labels.node }}; new volumes and growth there will be refused.',
  },
  {
    alert: 'StratumVolumeDegraded',
    expr: 'stratum_volume_phase{phase="Degraded"} == 1',
    for: '10m',
    severity: 'warning',
    summary: 'Volume {{ $labels.volume }} has fewer ready replicas than it asks for.',
    description:
      'LocalVolume {{ $labels.volume }} (pool {{ $labels.pool }}) has been Degraded for 10 minutes: kubectl describe lv {{ $labels.volume }} says why.',
  },
  {
    alert: 'StratumVolumeLost',
    expr: 'stratum_volume_ready_replicas == 0 unless on (volume) (stratum_volume_phase{phase=~"Pending|Creating|Deleting"} == 1)',
    for: '5m',
    severity: 'critical',
    summary: 'Volume {{ $labels.volume }} has no ready replica.',
    description: 'No replica of LocalVolume {{ $labels.volume }} is Ready: the data is unreachable until a node with a replica comes back.',
  },
  {
    alert: 'StratumDiskMissing',
    expr: 'stratum_disk_state{state="Missing"} == 1',
    for: '10m',
    severity: 'warning',
    summary: 'Disk {{ $labels.disk }} on node {{ $labels.node }} is no longer seen.',
    description: 'The agent on {{ $labels.node }} has not seen LocalDisk {{ $labels.disk }} for 10 minutes.',
  },
  {
    alert: 'StratumAgentUnavailable',
    expr: 'stratum_agent_connected == 0',
    for: '5m',
    severity: 'critical',
    summary: 'The Stratum agent on node {{ $labels.node }} does not answer.',
    description: 'The operator cannot reach the agent on {{ $labels.node }}: volumes there cannot be created, grown, moved or deleted.',
  },
  {
    alert: 'StratumCsiDriverNotRegistered',
    expr: 'stratum_agent_kubelet_registered == 0',
    for: '10m',
    severity: 'critical',
    summary: 'The kubelet on node {{ $labels.node }} has not registered the Stratum CSI driver.',
    description:
      'For 10 minutes the kubelet on {{ $labels.node }} has refused csi.stratum.dev or not asked for it: pods there cannot mount Stratum volumes.',
  },
  {
    alert: 'StratumOrphanVolumes',
    expr: 'stratum_orphan_volumes > 0',
    for: '1h',
    severity: 'warning',
    summary: 'Pool {{ $labels.pool }} on node {{ $labels.node }} holds volumes that belong to no LocalVolume.',
    description:
      '{{ $value }} LV(s) or disk(s) of pool {{ $labels.pool }} on {{ $labels.node }} carry Stratum tags but belong to no volume: their space is taken and their data kept until removed on purpose.',
  },
  {
    alert: 'StratumReplicaOutOfSync',
    expr: 'stratum_replica_synced_ratio < 1',
    for: '30m',
    severity: 'warning',
    summary: 'Replica {{ $labels.replica }} of volume {{ $labels.volume }} has been out of sync for 30 minutes.',
    description:
      'Replica {{ $labels.replica }} on node {{ $labels.node }} holds {{ $value | humanizePercentage }} of the data after 30 minutes.',
  },
];
