import { describe, expect, it } from 'vitest';
import { AccountsProjection } from './accounts.js';

const hash = (c: string) => c.repeat(64);
const bobLoggedIn = (c: string) =>
  ({
    type: 'SessionStarted',
    data: {
      accountId: 'B',
      tokenHash: hash(c),
      expiresAt: '2030-01-01T00:00:00.000Z',
      source: 'x',
    },
  }) as const;

describe('accounts projection', () => {
  const build = () => {
    const p = new AccountsProjection();
    p.apply({ type: 'AccountAdded', data: { accountId: 'B', username: 'bob', role: 'user' } });
    p.apply({ type: 'AccountAdded', data: { accountId: 'A', username: 'ada', role: 'admin' } });
    p.apply({ type: 'AccountPasswordSet', data: { accountId: 'B', hash: 'scrypt$x' } });
    p.apply(bobLoggedIn('b'));
    return p;
  };

  it('lists accounts by name, without secrets, and finds by id or username', () => {
    const p = build();
    expect(p.list()).toEqual([
      { id: 'A', username: 'ada', role: 'admin' },
      { id: 'B', username: 'bob', role: 'user' },
    ]);
    expect(p.find('B')).toEqual({ id: 'B', username: 'bob', role: 'user' });
    expect(p.find('BOB')?.id).toBe('B');
    expect(p.find('nobody')).toBeUndefined();
  });

  it('prunes sessions that expired by a given time', () => {
    const p = build();
    p.pruneExpired('2029-12-31T23:59:59.999Z');
    expect(p.snapshot().sessions).toHaveLength(1);
    p.pruneExpired('2030-01-01T00:00:00.000Z');
    expect(p.snapshot().sessions).toEqual([]);
  });

  it('resolves a session until it expires, and ends it on a new password or deletion', () => {
    const p = build();
    const now = new Date('2029-01-01T00:00:00Z');
    expect(p.session(hash('b'), now)).toEqual({
      accountId: 'B',
      username: 'bob',
      role: 'user',
      expiresAt: '2030-01-01T00:00:00.000Z',
    });
    expect(p.session(hash('b'), new Date('2030-01-01T00:00:00Z'))).toBeUndefined();
    p.apply({ type: 'AccountPasswordSet', data: { accountId: 'B', hash: 'scrypt$y' } });
    expect(p.session(hash('b'), now)).toBeUndefined();

    p.apply(bobLoggedIn('c'));
    p.apply({ type: 'AccountDeleted', data: { accountId: 'B', username: 'bob' } });
    expect(p.session(hash('c'), now)).toBeUndefined();
    expect(p.find('bob')).toBeUndefined();
  });

  it('ends only the session a logout names', () => {
    const p = build();
    const now = new Date('2029-01-01T00:00:00Z');
    p.apply(bobLoggedIn('c'));
    p.apply({ type: 'SessionEnded', data: { accountId: 'B', tokenHash: hash('b') } });
    expect(p.session(hash('b'), now)).toBeUndefined();
    expect(p.session(hash('c'), now)?.username).toBe('bob');
    expect(p.snapshot().sessions.map((s) => s.tokenHash)).toEqual([hash('c')]);
  });
});
