// The cdk8s app: CRDs first, then the install — one file each in charts-gen/ — the configured
// StoragePools in charts-gen/pools/, the monitoring objects in charts-gen/monitoring/; one file
// per CRD in crds/.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { stringify } from 'yaml';
import { KIND_DEFINITIONS } from '../api/index.ts';
import { finalizerPolicyObjects } from './admission.ts';
import type { ResolvedConfig } from './config.ts';
import { CrdsChart, installableCrd } from './crds-chart.ts';
import { PART_OF, WAVE, syncWave } from './labels.ts';
import { createMonitoring } from './monitoring.ts';
import { createRbac } from './rbac.ts';
import { createCsiDriver, createStorageClasses, createStoragePools } from './storage.ts';
import { createAgent, createOperator } from './workloads.ts';
import { createCertManagerCertificates } from './certificates.ts';

class InstallChart extends Chart {
  constructor(scope: Construct, id: string, config: ResolvedConfig) {
    super(scope, id, { disableResourceNameHashes: true, labels: { ...PART_OF } });
    new kplus.Namespace(this, 'namespace', { metadata: { name: config.namespace, annotations: syncWave(WAVE.install) } });
    const accounts = createRbac(this, config.namespace, config.certManagerIssuer ? 'external' : 'managed');
    createCsiDriver(this);
    if (config.finalizerPolicy) for (const obj of finalizerPolicyObjects()) new ApiObject(this, obj.kind.toLowerCase(), obj);
    createStorageClasses(this, config);
    createOperator(this, config, accounts);
    createAgent(this, config, accounts);
    if (config.certManagerIssuer) createCertManagerCertificates(this, config.namespace, config.certManagerIssuer);
  }
}

class MonitoringChart extends Chart {
  constructor(scope: Construct, id: string, config: ResolvedConfig) {
    super(scope, id, { disableResourceNameHashes: true });
    createMonitoring(this, config);
  }
}

class PoolsChart extends Chart {
  constructor(scope: Construct, id: string, config: ResolvedConfig) {
    super(scope, id, { disableResourceNameHashes: true });
    createStoragePools(this, config);
  }
}

/**
 * The install (CRDs, then everything else: `kubectl apply -f charts-gen/` in one go) and, in
 * charts-gen/pools/, the StoragePools: kubectl cannot map them before their CRDs are established,
 * so they are applied second (Argo CD: directory.recurse, and sync wave 1 orders them).
 */
export function buildApps(config: ResolvedConfig, outdir: string): App[] {
  const options = { yamlOutputType: YamlOutputType.FILE_PER_CHART, outputFileExtension: '.yaml' } as const;
  const install = new App({ outdir, ...options });
  new CrdsChart(install, '00-stratum-crds');
  new InstallChart(install, '10-stratum-install', config);
  const pools = new App({ outdir: path.join(outdir, 'pools'), ...options });
  if (config.pools.length) new PoolsChart(pools, 'stratum-pools', config);
  // Its own folder: the Prometheus Operator's CRDs may be missing where `kubectl apply -f charts-gen/` runs.
  const monitoring = new App({ outdir: path.join(outdir, 'monitoring'), ...options });
  const m = config.monitoring;
  if (m.serviceMonitor || m.prometheusRule || m.grafanaDashboard) new MonitoringChart(monitoring, 'stratum-monitoring', config);
  return [install, pools, monitoring];
}

/** Writes one YAML per CRD into `dir`, replacing what was there. */
export function writeCrds(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith('.yaml')) rmSync(path.join(dir, f));
  for (const def of KIND_DEFINITIONS) {
    writeFileSync(path.join(dir, `${def.plural}.yaml`), stringify(installableCrd(def), { lineWidth: 0 }));
  }
}
