import type { AccountEvent } from '@berth/contracts';
import { RejectedError } from '@berth/errors';
import type { Decider } from '@berth/decider';

/** The `admins` stream: which admins' removals have been granted. */
export type AdminsState = { removed: ReadonlySet<string> };

/**
 * Removing one admin, given the admins the log's accounts name (`activeAdmins`, read before;
 * it can only have grown since, as every removal goes through this stream first).
 */
export type RemoveAdmin = {
  type: 'RemoveAdmin';
  accountId: string;
  username: string;
  activeAdmins: readonly string[];
};

/**
 * "At least one admin stays", decided on one stream: two removals at once append at the same
 * version, so the second is decided again and sees the first.
 */
export const adminsDecider: Decider<RemoveAdmin, AccountEvent, AdminsState> = {
  initialState: { removed: new Set() },

  decide({ accountId, username, activeAdmins }, { removed }) {
    if (removed.has(accountId)) return []; // granted before; the deletion is being retried
    if (!activeAdmins.some((id) => id !== accountId && !removed.has(id)))
      throw new RejectedError('the last admin cannot be deleted', { field: 'username' });
    return [{ type: 'AdminRemoved', data: { accountId, username } }];
  },

  evolve: (state, event) =>
    event.type === 'AdminRemoved'
      ? { removed: new Set([...state.removed, event.data.accountId]) }
      : state,
};
