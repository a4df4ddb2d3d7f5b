import { describe, expect, it } from 'vitest';
import { statsShares } from './stats-budget.js';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('statsShares', () => {
  it('gives every engine all it wants when the budget covers it', () => {
    expect(statsShares([3, 0, 5], 100)).toEqual([3, 0, 5]);
  });

  it('shares a short budget in proportion to the containers, spending all of it', () => {
    expect(statsShares([10, 30, 60], 50)).toEqual([5, 15, 30]);
    const shares = statsShares([1000, ...Array.from({ length: 1000 }, () => 10)], 2200);
    expect(sum(shares)).toBe(2200);
    expect(shares[0]).toBe(200);
    expect(new Set(shares.slice(1))).toEqual(new Set([2]));
  });

  it('hands what rounding leaves over to the engines from the start it is given', () => {
    expect(statsShares([10, 10, 10, 10], 6, 0)).toEqual([2, 2, 1, 1]);
    expect(statsShares([10, 10, 10, 10], 6, 2)).toEqual([1, 1, 2, 2]);
    expect(statsShares([10, 10, 10, 10], 6, 3)).toEqual([2, 1, 1, 2]);
  });

  it('gives nothing from an empty budget', () => {
    expect(statsShares([4, 4], 0)).toEqual([0, 0]);
  });
});
