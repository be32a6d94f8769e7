// Entry point of `cdk8s synth` (see cdk8s.yaml): reads stratum.config.yaml, writes charts-gen/ and crds/
// (CDK8S_OUTDIR and STRATUM_CRDS_DIR redirect them, as the drift test does).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config.ts';
import { buildApps, writeCrds } from './app.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const configFile = process.env.STRATUM_CONFIG ?? path.join(root, 'stratum.config.yaml');

try {
  const config = loadConfig(configFile);
  for (const app of buildApps(config, process.env.CDK8S_OUTDIR ?? path.join(root, 'charts-gen'))) app.synth();
  writeCrds(process.env.STRATUM_CRDS_DIR ?? path.join(root, 'crds'));
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`stratum synth: ${err.message}\n`);
  process.exit(1);
}
