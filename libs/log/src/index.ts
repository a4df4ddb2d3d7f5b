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

/**
 * Logs a stray rejection or exception and keeps the process serving: one bad request must not
 * take every service of the process down with it. Handlers catch what they can; this is the net.
 */
export const keepServingOnStrayErrors = (logger: Logger) => {
  process.on('unhandledRejection', (reason) =>
    logger.error({ err: reason }, 'unhandled rejection (kept serving)'),
  );
  process.on('uncaughtException', (error) =>
    logger.error({ err: error }, 'uncaught exception (kept serving)'),
  );
};
