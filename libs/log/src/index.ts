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

export { exitOnSignals, keepServingOnStrayErrors } from './process.js';
export { holdLargeHeapsNearLiveSet } from './heap.js';
