import { describe, expect, it } from 'vitest';
import { wholeNumberParam } from './params.js';

describe('whole-number query parameters', () => {
  const count = wholeNumberParam(0, 1000);
  it('take plain digits in range', () => {
    expect(count.parse('0')).toBe(0);
    expect(count.parse('1000')).toBe(1000);
  });
  it('refuse every other spelling instead of coercing it', () => {
    for (const bad of ['', ' ', '1e3', '0x10', '1.5', '+1', '-1', ' 7', '1001', '9'.repeat(40)])
      expect(count.safeParse(bad).success, bad).toBe(false);
  });
});
