// stratum-agent: the node agent's entry point. Configuration from flags and environment
// (see config.ts or `--help`), JSON logs on stdout, SIGTERM/SIGINT → graceful shutdown.
import { createLogger } from '../common/log.ts';
import type { LevelWithSilent } from 'pino';
import { parseAgentConfig, usage } from './config.ts';
import { startAgent } from './server.ts';

async function main(): Promise<number> {
  let config;
  try {
    config = parseAgentConfig(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`stratum-agent: ${(err as Error).message}\n\n${usage()}\n`);
    return 2;
  }
  if (!config) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const log = createLogger('agent', config.logLevel as LevelWithSilent).child({ node: config.nodeName });
  const agent = await startAgent(config, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'signal received');
      void agent.shutdown().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', component: 'agent', msg: 'agent failed', err: (err as Error).message })}\n`);
    process.exit(1);
  },
);
