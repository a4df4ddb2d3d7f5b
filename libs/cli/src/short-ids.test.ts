import { describe, expect, it } from 'vitest';
import { resolveRef, shortIds } from './short-ids.js';

describe('shortIds', () => {
  it('tells apart ULIDs of one batch, which share their first 20 characters', () => {
    // As a monotonic ULID factory makes them in one millisecond: the last digits count up.
    const batch = Array.from(
      { length: 50 },
      (_, i) => `01JD3XQ7ZR4M8W2K6N0P${(0x3a9f1c + i).toString(32).toUpperCase().padStart(6, '0')}`,
    );
    expect(new Set(batch.map((id) => id.slice(0, 20))).size).toBe(1);
    const short = shortIds(batch);
    const shown = batch.map((id) => short.get(id) ?? '');
    expect(new Set(shown).size).toBe(batch.length);
    for (const [i, id] of batch.entries()) {
      expect(shown[i]?.length).toBe(6);
      expect(resolveRef(shown[i] ?? '', batch)).toEqual({ id });
    }
  });

  it('grows a suffix until no other id ends with it', () => {
    const short = shortIds(['AAAAXYZ123', 'BBBBXYZ123', 'CCCCCC0001']);
    expect(short.get('AAAAXYZ123')).toBe('AXYZ123');
    expect(short.get('BBBBXYZ123')).toBe('BXYZ123');
    expect(short.get('CCCCCC0001')).toBe('CC0001');
  });
});

describe('resolveRef', () => {
  const ids = [
    '01JD3XQ7AAAAAAAAAAAAAA0001',
    '01JD3XQ7AAAAAAAAAAAAAA0002',
    '01JE000000000000000000ZZZZ',
  ];
  it('accepts a unique prefix, a unique suffix, any case, and the whole id', () => {
    expect(resolveRef('01je', ids)).toEqual({ id: ids[2] });
    expect(resolveRef('a0002', ids)).toEqual({ id: ids[1] });
    expect(resolveRef(ids[0] ?? '', ids)).toEqual({ id: ids[0] });
  });
  it('says when a reference is ambiguous or unknown', () => {
    expect(resolveRef('01JD3XQ7', ids)).toEqual({ ambiguous: [ids[0], ids[1]] });
    expect(resolveRef('nope', ids)).toEqual({ unknown: true });
  });
});
