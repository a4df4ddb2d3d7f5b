import { trackFollower } from '@berth/metrics';
import type { NatsConnection } from '@berth/bus';
import type { QuotaDefaults } from '@berth/contracts';
import type { EventLog } from '@berth/eventlog';
import { type Logger, warnReadingAgain } from '@berth/log';
import { anchorPeriodically, type Anchors } from './anchor.js';
import { serveQueries } from './handlers/queries.js';
import { followUsage } from './handlers/usage.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { ReadModel } from './read-model.js';
import { MeasuredUsage } from './usage.js';

export type ProjectorDeps = {
  nc: NatsConnection;
  log: EventLog;
  logger: Logger;
  /** A user's limits where no admin set them, as the scheduler enforces them. */
  quotaDefaults: QuotaDefaults;
  /** Where the model is saved to resume after a restart or crash; none: rebuild at every start. */
  checkpointFile?: string | undefined;
  /** Save after this many new events (and on stop). */
  checkpointEvery?: number;
  /** Where the head is anchored outside the log (etcd); none: `verify` checks the chain only. */
  anchors?: Anchors | undefined;
  /** How often the head is anchored. */
  anchorEveryMs?: number;
  /** A usage sample older than this is no longer shown (a few of the executors' periods). */
  usageMaxAgeMs?: number;
};

/**
 * Follows the log into an in-memory read model and answers queries from it. With a checkpoint
 * file it starts from the saved model and reads only what came after.
 */
export const start = async ({
  nc,
  log,
  logger,
  quotaDefaults,
  checkpointFile,
  checkpointEvery = 10_000,
  anchors,
  anchorEveryMs = 10_000,
  usageMaxAgeMs = 20_000,
}: ProjectorDeps) => {
  const saved =
    checkpointFile === undefined ? undefined : await loadCheckpoint(checkpointFile, log);
  const model = saved === undefined ? new ReadModel() : ReadModel.restore(saved);
  const resumedFrom = model.position;
  let lastHash =
    resumedFrom === 0 ? '' : ((await log.readAll(resumedFrom, { limit: 1 }))[0]?.hash ?? '');
  let savedAt = model.position;
  const checkpoint = () => {
    if (checkpointFile === undefined || model.position === savedAt) return;
    saveCheckpoint(checkpointFile, model.snapshot(), lastHash);
    savedAt = model.position;
  };
  const subscription = log.subscribe(model.position + 1, {
    batchSize: 5000,
    onError: warnReadingAgain(logger),
  });
  const untrack = trackFollower('projector', async () => (await log.head()) - model.position);
  const following = (async () => {
    for await (const event of subscription) {
      model.apply(event);
      lastHash = event.hash;
      if (model.position - savedAt >= checkpointEvery) checkpoint();
    }
  })();
  following.catch((error: unknown) => {
    logger.fatal({ err: error }, 'projector stopped following the log');
    process.exitCode = 1;
  });
  // Serve queries only once the model has caught up with the log as it was at start.
  await model.reached(await log.head(), 10 * 60_000);
  const usage = new MeasuredUsage(usageMaxAgeMs);
  const usageFeed = followUsage(nc, usage);
  const queries = serveQueries(nc, model, log, anchors, quotaDefaults, usage);
  const anchoring =
    anchors === undefined
      ? undefined
      : anchorPeriodically(
          anchors,
          () => ({ position: model.position, hash: lastHash }),
          logger,
          anchorEveryMs,
        );
  logger.info({ position: model.position, resumedFrom }, 'read model caught up');
  return {
    model,
    resumedFrom,
    stop: async () => {
      untrack();
      await queries.stop();
      usageFeed.stop();
      await anchoring?.stop();
      subscription.close();
      await following.catch(() => undefined);
      checkpoint();
    },
  };
};
