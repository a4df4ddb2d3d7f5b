import { describe, expect, it } from 'vitest';
import type { AccountEvent } from '@berth/contracts';
import { fold } from '@berth/decider';
import { accountDecider, type AccountCommand } from './account.js';

const given = (...history: AccountEvent[]) => ({
  when: (command: AccountCommand) => () =>
    accountDecider.decide(command, fold(accountDecider, history)),
});
const added: AccountEvent = {
  type: 'AccountAdded',
  data: { accountId: 'A1', username: 'ada', role: 'admin' },
};
const password: AccountEvent = {
  type: 'AccountPasswordSet',
  data: { accountId: 'A1', hash: 'scrypt$h1' },
};
const deleted: AccountEvent = {
  type: 'AccountDeleted',
  data: { accountId: 'A1', username: 'ada' },
};
const add: AccountCommand = {
  type: 'AddAccount',
  accountId: 'A2',
  username: 'ada',
  role: 'user',
  passwordHash: 'scrypt$h2',
};

describe('account decider', () => {
  it('adds an account with its password hash as a separate event', () => {
    expect(given().when(add)()).toEqual([
      { type: 'AccountAdded', data: { accountId: 'A2', username: 'ada', role: 'user' } },
      { type: 'AccountPasswordSet', data: { accountId: 'A2', hash: 'scrypt$h2' } },
    ]);
  });

  it('refuses a taken username but allows it again after deletion', () => {
    expect(given(added, password).when(add)).toThrow(
      expect.objectContaining({ code: 'conflict', field: 'username' }),
    );
    expect(given(added, password, deleted).when(add)()).toHaveLength(2);
  });

  it('deletes, but not twice', () => {
    expect(given(added, password).when({ type: 'DeleteAccount' })()).toEqual([deleted]);
    expect(given(added, deleted).when({ type: 'DeleteAccount' })).toThrow(
      expect.objectContaining({ code: 'not_found' }),
    );
  });

  it('changes the password only when the old one matched', () => {
    const change = { type: 'ChangePassword', passwordHash: 'scrypt$h3' } as const;
    expect(given(added, password).when({ ...change, oldPasswordMatches: true })()).toEqual([
      { type: 'AccountPasswordSet', data: { accountId: 'A1', hash: 'scrypt$h3' } },
    ]);
    expect(given(added, password).when({ ...change, oldPasswordMatches: false })).toThrow(
      expect.objectContaining({ code: 'rejected', field: 'oldPassword' }),
    );
  });

  it('starts sessions for active accounts only', () => {
    const start: AccountCommand = {
      type: 'StartSession',
      tokenHash: 'f'.repeat(64),
      expiresAt: '2030-01-01T00:00:00.000Z',
      source: '127.0.0.1',
    };
    expect(given(added, password).when(start)()).toEqual([
      {
        type: 'SessionStarted',
        data: {
          accountId: 'A1',
          tokenHash: 'f'.repeat(64),
          expiresAt: '2030-01-01T00:00:00.000Z',
          source: '127.0.0.1',
        },
      },
    ]);
    expect(given(added, deleted).when(start)).toThrow(
      expect.objectContaining({ code: 'not_found' }),
    );
  });

  it('ends one session of an active account', () => {
    const end: AccountCommand = { type: 'EndSession', tokenHash: 'e'.repeat(64) };
    expect(given(added, password).when(end)()).toEqual([
      { type: 'SessionEnded', data: { accountId: 'A1', tokenHash: 'e'.repeat(64) } },
    ]);
    expect(given(added, deleted).when(end)).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it("sets an active account's quota, and no deleted one's", () => {
    const limits = { replicas: 3, cpus: null, memory: 512 };
    expect(given(added, password).when({ type: 'SetQuota', limits })()).toEqual([
      { type: 'AccountQuotaSet', data: { accountId: 'A1', username: 'ada', limits } },
    ]);
    expect(given(added, deleted).when({ type: 'SetQuota', limits })).toThrow(
      expect.objectContaining({ code: 'not_found', field: 'username' }),
    );
  });
});
