// Labels and annotations every install object carries.
export const PART_OF = { 'app.kubernetes.io/part-of': 'stratum', 'app.kubernetes.io/managed-by': 'cdk8s' } as const;

/** Argo CD applies lower waves first: CRDs, then the install, then objects that need the CRDs. */
export const syncWave = (wave: number) => ({ 'argocd.argoproj.io/sync-wave': String(wave) });
export const WAVE = { crds: -1, install: 0, customResources: 1 } as const;

/** Marks the Services in front of /metrics, so a ServiceMonitor picks them and not the other Services of the same pods. */
export const METRICS_SERVICE_LABELS = { 'stratum.dev/metrics': 'true' } as const;
