import { describe, expect, it } from 'vitest';
import { EventBudget } from './event-budget.js';

describe('event budget', () => {
  it('admits `limit` per key and window, then counts what is over by kind', () => {
    const budget = new EventBudget<number>(3, 60_000);
    const admitted = ['start', 'die', 'start', 'die', 'start', 'die'].map((kind, i) =>
      budget.admit('c1', kind, 1000 + i * 100, i),
    );
    expect(admitted).toEqual([true, true, true, false, false, false]);
    expect(budget.admit('c2', 'die', 1700, 9)).toBe(true); // another key has its own budget
    expect(budget.ended(60_999)).toEqual([]);
    expect(budget.ended(61_000)).toEqual([
      { key: 'c1', last: 5, counts: { die: 2, start: 1 }, total: 3, from: 1000, until: 61_000 },
    ]);
    expect(budget.ended(61_000)).toEqual([]); // each summary once
  });

  it('opens a new window after the old one ended, keeping the old one’s summary', () => {
    const budget = new EventBudget<string>(1, 1000);
    expect(budget.admit('c', 'die', 0, 'at 0')).toBe(true);
    expect(budget.admit('c', 'die', 500, 'at 500')).toBe(false);
    expect(budget.nextEnd()).toBe(1000);
    expect(budget.admit('c', 'die', 1200, 'at 1200')).toBe(true); // a new window from 1200
    expect(budget.admit('c', 'die', 1300, 'at 1300')).toBe(false);
    expect(budget.nextEnd()).toBe(0); // the first window's summary is waiting
    expect(budget.ended(1300)).toEqual([
      { key: 'c', last: 'at 500', counts: { die: 1 }, total: 1, from: 0, until: 1000 },
    ]);
    expect(budget.nextEnd()).toBe(2200);
    expect(budget.ended(2200)).toEqual([
      { key: 'c', last: 'at 1300', counts: { die: 1 }, total: 1, from: 1200, until: 2200 },
    ]);
    expect(budget.nextEnd()).toBeUndefined();
  });

  it('owes nothing for windows that stayed within the limit, and forgets them', () => {
    const budget = new EventBudget<null>(2, 1000);
    budget.admit('c', 'start', 0, null);
    budget.admit('c', 'die', 10, null);
    expect(budget.nextEnd()).toBeUndefined();
    expect(budget.ended(5000)).toEqual([]);
    expect(budget.admit('c', 'start', 5000, null)).toBe(true);
  });
});
