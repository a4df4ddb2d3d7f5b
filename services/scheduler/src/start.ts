import { SCHEDULE_STREAM, type QuotaDefaults } from '@berth/contracts';
import type { SecretKey } from '@berth/auth';
import type { NatsConnection } from '@berth/bus';
import { streamHandler } from '@berth/decider';
import { catchUpThenReact, type EventLog } from '@berth/eventlog';
import { type Logger, warnReadingAgain } from '@berth/log';
import { ClusterView, VIEWED_TYPES } from './cluster-view.js';
import { scheduleDecider } from './domain/schedule.js';
import { serveScheduleCommands } from './handlers/commands.js';
import { scheduleReactions } from './handlers/reactions.js';
import { QUOTA_TYPES, QuotaBook } from './quota-book.js';

export type SchedulerDeps = {
  nc: NatsConnection;
  log: EventLog;
  logger: Logger;
  /** A user's limits where no admin set them (`readQuotaDefaults`). */
  quotaDefaults: QuotaDefaults;
  /** Seals a run's secret variables before they are appended. */
  secretKey: SecretKey;
};
export type ScheduleHandler = ReturnType<typeof newScheduleHandler>;
const newScheduleHandler = (log: EventLog) => streamHandler(log, scheduleDecider, SCHEDULE_STREAM);

/**
 * Owns the `schedule` stream: groups, their desired counts and every reservation, under one
 * version so that no two instances can overcommit an engine. Serves commands once it knows the
 * cluster, then keeps each group at its count as engines and containers come and go.
 */
export const start = async ({ nc, log, logger, quotaDefaults, secretKey }: SchedulerDeps) => {
  const schedule = newScheduleHandler(log);
  const view = new ClusterView();
  const quotas = new QuotaBook(quotaDefaults);
  const reactions = scheduleReactions(schedule, view, logger);
  const follower = catchUpThenReact(
    log,
    { types: [...VIEWED_TYPES, ...QUOTA_TYPES, 'ContainerReleased'] },
    (event) => {
      view.apply(event);
      quotas.apply(event);
    },
    reactions.react,
    {
      name: 'scheduler',
      onError: warnReadingAgain(logger),
    },
  );
  await follower.caughtUp;
  const commands = serveScheduleCommands(nc, schedule, view, quotas, follower.freshen, secretKey);
  // What changed while no scheduler was watching.
  await reactions.reconcile();
  // Rolling updates also move on with time (monitor windows, ready timeouts), not only events.
  const ticker = setInterval(() => {
    reactions
      .stepUpdates()
      .catch((error: unknown) => logger.warn({ err: error }, 'rolling update step failed'));
  }, 1000);
  return {
    stop: () => {
      clearInterval(ticker);
      return Promise.all([commands.stop(), follower.stop()]);
    },
  };
};
