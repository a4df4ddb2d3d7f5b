import type { NatsConnection } from '@berth/bus';
import type { EventLog } from '@berth/eventlog';
import type { Logger } from '@berth/log';
import { ensureFirstAdmin } from './bootstrap.js';
import { serveAccountCommands } from './handlers/commands.js';
import { unknownLoginSummaries } from './handlers/unknown-logins.js';

export type AccountServiceDeps = {
  nc: NatsConnection;
  log: EventLog;
  logger: Logger;
  admin: { username: string; password: string | undefined };
};

/** Accounts, passwords and logins; owns the `account-*`, `admins` and `login-failures*` streams. */
export const start = async ({ nc, log, logger, admin }: AccountServiceDeps) => {
  const unknownLogins = unknownLoginSummaries(log, logger);
  const commands = serveAccountCommands(nc, log, unknownLogins);
  await ensureFirstAdmin(log, logger, admin);
  return {
    stop: async () => {
      await commands.stop();
      await unknownLogins.stop();
    },
  };
};
