import type { AccountEvent, QuotaLimits, Role } from '@berth/contracts';
import { ConflictError, NotFoundError, RejectedError } from '@berth/errors';
import type { Decider } from '@berth/decider';

/** One username's stream: it may be added, deleted and added again (as a new account). */
export type AccountState =
  | { status: 'none' }
  | { status: 'active'; accountId: string; username: string; role: Role; passwordHash: string }
  | { status: 'deleted'; accountId: string; username: string };

/** Commands as the decider sees them: hashing and checks that need I/O are done before. */
export type AccountCommand =
  | { type: 'AddAccount'; accountId: string; username: string; role: Role; passwordHash: string }
  | { type: 'DeleteAccount' }
  | { type: 'ChangePassword'; oldPasswordMatches: boolean; passwordHash: string }
  | { type: 'StartSession'; tokenHash: string; expiresAt: string; source: string }
  | { type: 'EndSession'; tokenHash: string }
  | { type: 'SetQuota'; limits: QuotaLimits };

const activeOrThrow = (state: AccountState) => {
  if (state.status !== 'active') throw new NotFoundError('no such account', { field: 'username' });
  return state;
};

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: { status: 'none' },

  decide(command, state) {
    switch (command.type) {
      case 'AddAccount':
        if (state.status === 'active') {
          throw new ConflictError(`username ${state.username} is taken`, { field: 'username' });
        }
        return [
          {
            type: 'AccountAdded',
            data: { accountId: command.accountId, username: command.username, role: command.role },
          },
          {
            type: 'AccountPasswordSet',
            data: { accountId: command.accountId, hash: command.passwordHash },
          },
        ];
      case 'DeleteAccount': {
        // An admin's removal was checked against the other admins first (the admins decider).
        const account = activeOrThrow(state);
        return [
          {
            type: 'AccountDeleted',
            data: { accountId: account.accountId, username: account.username },
          },
        ];
      }
      case 'ChangePassword': {
        const account = activeOrThrow(state);
        if (!command.oldPasswordMatches)
          throw new RejectedError('the old password is wrong', { field: 'oldPassword' });
        return [
          {
            type: 'AccountPasswordSet',
            data: { accountId: account.accountId, hash: command.passwordHash },
          },
        ];
      }
      case 'StartSession': {
        const account = activeOrThrow(state);
        const { tokenHash, expiresAt, source } = command;
        return [
          {
            type: 'SessionStarted',
            data: { accountId: account.accountId, tokenHash, expiresAt, source },
          },
        ];
      }
      case 'EndSession': {
        const account = activeOrThrow(state);
        return [
          {
            type: 'SessionEnded',
            data: { accountId: account.accountId, tokenHash: command.tokenHash },
          },
        ];
      }
      case 'SetQuota': {
        const { accountId, username } = activeOrThrow(state);
        return [{ type: 'AccountQuotaSet', data: { accountId, username, limits: command.limits } }];
      }
      default:
        return exhaustive(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'AccountAdded':
        return { status: 'active', ...event.data, passwordHash: '' };
      case 'AccountPasswordSet':
        return state.status === 'active' ? { ...state, passwordHash: event.data.hash } : state;
      case 'AccountDeleted':
        return {
          status: 'deleted',
          accountId: event.data.accountId,
          username: event.data.username,
        };
      case 'SessionStarted':
      case 'SessionEnded':
      case 'LoginFailed':
      case 'LoginFailuresSummarized':
      case 'AdminRemoved':
      case 'AccountQuotaSet':
        return state;
      default:
        return exhaustive(event);
    }
  },
};

function exhaustive(value: never): never {
  throw new Error(`unhandled: ${JSON.stringify(value)}`);
}
