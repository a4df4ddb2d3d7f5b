import type { NatsConnection } from '@berth/bus';
import type { EventLog } from '@berth/eventlog';
import type { Logger } from '@berth/log';
import { serveQueries } from './handlers/queries.js';
import { ReadModel } from './read-model.js';

export type ProjectorDeps = { nc: NatsConnection; log: EventLog; logger: Logger };

/** Follows the log from the start into an in-memory read model and answers queries from it. */
export const start = async ({ nc, log, logger }: ProjectorDeps) => {
  const model = new ReadModel();
  const subscription = log.subscribe(1, { batchSize: 5000 });
  const following = (async () => {
    for await (const event of subscription) model.apply(event);
  })();
  following.catch((error: unknown) => {
    logger.fatal({ err: error }, 'projector stopped following the log');
    process.exitCode = 1;
  });
  // Serve queries only once the model has caught up with the log as it was at start.
  await model.reached(await log.head(), 10 * 60_000);
  const queries = serveQueries(nc, model, log);
  logger.info({ position: model.position }, 'read model caught up');
  return {
    model,
    stop: async () => {
      await queries.stop();
      subscription.close();
      await following.catch(() => undefined);
    },
  };
};
