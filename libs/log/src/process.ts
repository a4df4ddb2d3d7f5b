import type { Logger } from 'pino';

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

/**
 * Awaits a process's start-up and ends the process with exit code 1 when it fails. The
 * stray-error net would otherwise take the failure for a stray one: the process would sit
 * there neither serving nor gone (or end with 0), and no supervisor would start it again.
 */
export const startOrExit = async <T>(
  logger: Logger,
  what: string,
  start: () => Promise<T>,
): Promise<T> => {
  try {
    return await start();
  } catch (error) {
    logger.fatal({ err: error }, `${what} could not start`);
    process.exit(1);
  }
};

/**
 * Stops on SIGINT or SIGTERM and exits, within `deadlineMs` whatever happens: a terminal's
 * Ctrl-C signals the whole process group, so the NATS and etcd children may already be gone
 * and every goodbye to them would wait out its timeout. Work that matters is in the event log
 * already; what is cut short here is only courtesy (drains, lease revokes).
 */
export const exitOnSignals = (logger: Logger, stop: () => Promise<unknown>, deadlineMs = 1500) => {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const deadline = setTimeout(() => {
      logger.warn({ deadlineMs }, 'stop took too long; exiting anyway');
      process.exit(0);
    }, deadlineMs);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        clearTimeout(deadline);
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
};
