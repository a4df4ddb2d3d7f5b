import { describe, expect, it } from 'vitest';
import { CommandId, Ulid } from '@berth/contracts';
import { idempotentCommandId, newCommandId, newId } from './index.js';

describe('newId', () => {
  it('makes valid, unique, strictly increasing ULIDs', () => {
    const ids = Array.from({ length: 10_000 }, newId);
    for (const id of ids.slice(0, 10)) expect(Ulid.safeParse(id).success).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('command ids', () => {
  it('mints UUIDv7s, time-ordered', () => {
    const ids = Array.from({ length: 1000 }, newCommandId);
    for (const id of ids.slice(0, 10)) expect(CommandId.safeParse(id).success).toBe(true);
    expect(ids[0]?.[14]).toBe('7');
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('derives the same id from the same scope and key, another from any other', () => {
    const key = 'D9428888-122B-11E1-B85C-61CD3CBB3210';
    const id = idempotentCommandId('acct-1 POST /api/containers', key);
    expect(CommandId.safeParse(id).success).toBe(true);
    expect(idempotentCommandId('acct-1 POST /api/containers', key.toLowerCase())).toBe(id);
    expect(idempotentCommandId('acct-2 POST /api/containers', key)).not.toBe(id);
    expect(idempotentCommandId('acct-1 POST /api/account', key)).not.toBe(id);
    expect(idempotentCommandId('acct-1 POST /api/containers', key, 1)).not.toBe(id);
  });
});
