import {
  accountStream,
  AddAccount,
  ADMINS_STREAM,
  ChangePassword,
  DeleteAccount,
  LOGIN_FAILURES_STREAM,
  Login,
  Logout,
  SetAccountQuota,
  type AccountEvent,
  type CommandMetadata,
} from '@berth/contracts';
import { hashPassword, tokenHash, verifyPassword } from '@berth/auth';
import { serveCommand, type CommandResult, type NatsConnection } from '@berth/bus';
import { eventMetadataOf, fold, handleCommand } from '@berth/decider';
import { UnauthenticatedError } from '@berth/errors';
import type { EventLog } from '@berth/eventlog';
import { newCommandId } from '@berth/ids';
import { accountDecider, type AccountCommand } from '../domain/account.js';
import { adminsDecider } from '../domain/admins.js';

const SERVICE = 'account';

/** The command endpoints of the account service, all in queue group `berth.account`. */
export const serveAccountCommands = (
  nc: NatsConnection,
  log: EventLog,
  unknownLogins: { failed: () => void },
) => {
  const loadAccount = async (username: string) =>
    fold(
      accountDecider,
      (await log.readStream(accountStream(username))) as unknown as AccountEvent[],
    );

  const decide = (username: string, command: AccountCommand, metadata: CommandMetadata) =>
    handleCommand(log, accountDecider, accountStream(username), command, metadata);

  /** Admins the accounts in the log name; deletion is rare, so a filtered read is enough. */
  const activeAdmins = async () => {
    const admins = new Set<string>();
    const events = await log.readAll(1, {
      filter: { streamPrefix: 'account-', types: ['AccountAdded', 'AccountDeleted'] },
    });
    for (const { type, data } of events as unknown as AccountEvent[]) {
      if (type === 'AccountAdded' && data.role === 'admin') admins.add(data.accountId);
      if (type === 'AccountDeleted') admins.delete(data.accountId);
    }
    return [...admins];
  };

  /** Grants an admin's removal on the `admins` stream, or refuses the last one. */
  const removeAdmin = async (
    account: { accountId: string; username: string },
    metadata: CommandMetadata,
  ) =>
    handleCommand(
      log,
      adminsDecider,
      ADMINS_STREAM,
      { type: 'RemoveAdmin', ...account, activeAdmins: await activeAdmins() },
      // Its own commandId: the deletion's events still count as not yet appended.
      {
        ...metadata,
        commandId: newCommandId(),
        correlationId: metadata.correlationId ?? metadata.commandId,
        causationId: metadata.commandId,
      },
    );

  const login = async ({ data, metadata }: Login): Promise<CommandResult> => {
    const earlier = await log.readCommand(metadata.commandId);
    const outcome = earlier.length > 0 ? earlier : await attemptLogin(data, metadata);
    // Whether the account exists or not, the answer is the same.
    if (outcome.length === 0 || outcome.some((e) => e.type === 'LoginFailed'))
      throw new UnauthenticatedError('invalid username or password');
    return { position: outcome[outcome.length - 1]?.position ?? 0, events: outcome };
  };

  const attemptLogin = async (data: Login['data'], metadata: CommandMetadata) => {
    const account = await loadAccount(data.username);
    const hash = account.status === 'active' ? account.passwordHash : undefined;
    if (hash === undefined) {
      await verifyPassword(data.password, hash); // costs the same time as a real check
      unknownLogins.failed();
      return [];
    }
    if (await verifyPassword(data.password, hash)) {
      const {
        tokenHash: hashed,
        expiresAt,
        source,
      } = { ...data, tokenHash: tokenHash(data.token) };
      return (
        await decide(
          data.username,
          { type: 'StartSession', tokenHash: hashed, expiresAt, source },
          metadata,
        )
      ).events;
    }
    await log.append(LOGIN_FAILURES_STREAM, 'any', [
      {
        type: 'LoginFailed',
        data: { username: data.username, source: data.source, reason: 'invalid credentials' },
        metadata: eventMetadataOf(metadata),
      },
    ]);
    return log.readCommand(metadata.commandId);
  };

  const endpoints = [
    serveCommand(nc, {
      type: 'AddAccount',
      schema: AddAccount,
      service: SERVICE,
      handle: async ({ data, metadata }) => {
        const passwordHash = await hashPassword(data.password);
        const { accountId, username, role } = data;
        return decide(
          username,
          { type: 'AddAccount', accountId, username, role, passwordHash },
          metadata,
        );
      },
    }),
    serveCommand(nc, {
      type: 'DeleteAccount',
      schema: DeleteAccount,
      service: SERVICE,
      handle: async ({ data, metadata }) => {
        const account = await loadAccount(data.username);
        if (account.status === 'active' && account.role === 'admin')
          await removeAdmin({ accountId: account.accountId, username: account.username }, metadata);
        return decide(data.username, { type: 'DeleteAccount' }, metadata);
      },
    }),
    serveCommand(nc, {
      type: 'ChangePassword',
      schema: ChangePassword,
      service: SERVICE,
      handle: async ({ data, metadata }) => {
        const account = await loadAccount(data.username);
        const oldPasswordMatches = await verifyPassword(
          data.oldPassword,
          account.status === 'active' ? account.passwordHash : undefined,
        );
        const passwordHash = await hashPassword(data.newPassword);
        return decide(
          data.username,
          { type: 'ChangePassword', oldPasswordMatches, passwordHash },
          metadata,
        );
      },
    }),
    serveCommand(nc, { type: 'Login', schema: Login, service: SERVICE, handle: login }),
    serveCommand(nc, {
      type: 'Logout',
      schema: Logout,
      service: SERVICE,
      handle: ({ data, metadata }) =>
        decide(data.username, { type: 'EndSession', tokenHash: data.tokenHash }, metadata),
    }),
    serveCommand(nc, {
      type: 'SetAccountQuota',
      schema: SetAccountQuota,
      service: SERVICE,
      handle: ({ data, metadata }) =>
        decide(data.username, { type: 'SetQuota', limits: data.limits }, metadata),
    }),
  ];
  return { stop: () => Promise.all(endpoints.map((e) => e.stop())) };
};
