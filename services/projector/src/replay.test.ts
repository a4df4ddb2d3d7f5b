import { describe, expect, it } from 'vitest';
import { differences } from './replay.js';

describe('differences', () => {
  it('names the paths at which two models differ', () => {
    expect(differences({ a: 1, b: [1, 2] }, { a: 1, b: [1, 2] })).toEqual([]);
    expect(differences({ a: 1, b: { c: [1, 2] } }, { a: 2, b: { c: [1, 3] }, d: true })).toEqual([
      'a',
      'b.c.1',
      'd',
    ]);
  });
});
