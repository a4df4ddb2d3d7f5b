import { describe, expect, it } from 'vitest';
import { Ulid } from '@berth/contracts';
import { newId } from './index.js';

describe('newId', () => {
  it('makes valid, unique, strictly increasing ULIDs', () => {
    const ids = Array.from({ length: 10_000 }, newId);
    for (const id of ids.slice(0, 10)) expect(Ulid.safeParse(id).success).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
