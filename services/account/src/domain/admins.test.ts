import { describe, expect, it } from 'vitest';
import type { AccountEvent } from '@berth/contracts';
import { fold } from '@berth/decider';
import { adminsDecider, type RemoveAdmin } from './admins.js';

const remove = (accountId: string, activeAdmins: string[]): RemoveAdmin => ({
  type: 'RemoveAdmin',
  accountId,
  username: accountId.toLowerCase(),
  activeAdmins,
});
const removed = (accountId: string): AccountEvent => ({
  type: 'AdminRemoved',
  data: { accountId, username: accountId.toLowerCase() },
});
const decide = (command: RemoveAdmin, ...history: AccountEvent[]) =>
  adminsDecider.decide(command, fold(adminsDecider, history));

describe('admins decider', () => {
  it('removes an admin while another stays', () => {
    expect(decide(remove('A', ['A', 'B']))).toEqual([removed('A')]);
  });

  it('refuses to remove the last admin, naming the field', () => {
    expect(() => decide(remove('A', ['A']))).toThrow(
      expect.objectContaining({ code: 'rejected', field: 'username' }),
    );
  });

  it('counts removals granted since the admins were read: of two at once, one wins', () => {
    // Both read A and B as admins; B's removal was appended first.
    expect(() => decide(remove('A', ['A', 'B']), removed('B'))).toThrow(
      expect.objectContaining({ code: 'rejected' }),
    );
  });

  it('grants a removal again without a new event (a retried deletion)', () => {
    expect(decide(remove('A', ['A', 'B']), removed('A'))).toEqual([]);
  });
});
