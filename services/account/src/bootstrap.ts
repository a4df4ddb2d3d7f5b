import { accountStream } from '@berth/contracts';
import { generatePassword, hashPassword } from '@berth/auth';
import { handleCommand } from '@berth/decider';
import { BerthError } from '@berth/errors';
import type { EventLog } from '@berth/eventlog';
import { newCommandId, newId } from '@berth/ids';
import type { Logger } from '@berth/log';
import { accountDecider } from './domain/account.js';

/**
 * The first admin, when the log holds no account yet. A generated password is printed once to
 * the console (never to the structured log); if several instances race, one wins.
 */
export const ensureFirstAdmin = async (
  log: EventLog,
  logger: Logger,
  admin: { username: string; password: string | undefined },
) => {
  const anyAccount = await log.readAll(1, { filter: { types: ['AccountAdded'] }, limit: 1 });
  if (anyAccount.length > 0) return;
  const password = admin.password ?? generatePassword();
  const commandId = newCommandId();
  try {
    await handleCommand(
      log,
      accountDecider,
      accountStream(admin.username),
      {
        type: 'AddAccount',
        accountId: newId(),
        username: admin.username,
        role: 'admin',
        passwordHash: await hashPassword(password),
      },
      { commandId, actor: 'system' },
    );
  } catch (error) {
    if (error instanceof BerthError && error.code === 'conflict') return; // another instance made it
    throw error;
  }
  logger.info({ username: admin.username }, 'first admin account created');
  if (admin.password === undefined) {
    process.stderr.write(
      `\n  First admin: ${admin.username}  password: ${password}\n  (shown once; change it with POST /account/passwdchange)\n\n`,
    );
  }
};
