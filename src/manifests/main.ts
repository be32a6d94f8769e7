// Entry point of `cdk8s synth` (see cdk8s.yaml): reads stratum.config.yaml, writes charts-gen/, crds/
// and the Argo CD health checks in docs/argocd/ (CDK8S_OUTDIR, STRATUM_CRDS_DIR and
// STRATUM_ARGOCD_DIR redirect them, as the drift test does). The health checks stay out of
// charts-gen/: an Application syncing that folder must not overwrite Argo CD's own argocd-cm.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT as root } from '../common/package-root.ts';
import { ConfigError, loadConfig } from './config.ts';
import { buildApps, writeCrds } from './app.ts';
import { argocdHealthPatch } from './argocd-health.ts';

const configFile = process.env.STRATUM_CONFIG ?? path.join(root, 'stratum.config.yaml');

try {
  const config = loadConfig(configFile);
  for (const app of buildApps(config, process.env.CDK8S_OUTDIR ?? path.join(root, 'charts-gen'))) app.synth();
  writeCrds(process.env.STRATUM_CRDS_DIR ?? path.join(root, 'crds'));
  const argocd = process.env.STRATUM_ARGOCD_DIR ?? path.join(root, 'docs', 'argocd');
  mkdirSync(argocd, { recursive: true });
  writeFileSync(path.join(argocd, 'argocd-cm-health.yaml'), argocdHealthPatch());
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`stratum synth: ${err.message}\n`);
  process.exit(1);
}
