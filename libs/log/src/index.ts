import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs, one line per event worth knowing; secrets are redacted by path. */
export const createLogger = (service: string, level = 'info'): Logger =>
  pino({
    name: service,
    level,
    base: { service },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'tls.key', '*.tls.key', 'passwordHash'],
      censor: '[redacted]',
    },
  });

/** What a follower of the event log says when a read failed and it reads again. */
export const warnReadingAgain = (logger: Logger) => (error: unknown) =>
  logger.warn({ err: error }, 'reading the log failed; reading again');

export { exitOnSignals, keepServingOnStrayErrors, startOrExit } from './process.js';
export { holdLargeHeapsNearLiveSet } from './heap.js';
