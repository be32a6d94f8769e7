// Structured JSON logs (pino): one logger per process, children carry object keys
// (node, pool, volume, replica) so a line can be found by the object it is about.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export function createLogger(
  component: string,
  level: LevelWithSilent = (process.env.STRATUM_LOG_LEVEL as LevelWithSilent) ?? 'info',
): Logger {
  return pino({
    level,
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
