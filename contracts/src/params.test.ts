import { describe, expect, it } from 'vitest';
import { compareInstants, instantParam, wholeNumberParam } from './params.js';

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

describe('instants in a query string', () => {
  it('take RFC 3339 and Unix seconds, as Docker writes them: <seconds>.<nanoseconds>', () => {
    expect(instantParam.parse('1796205600')).toBe('1796205600.000000000');
    expect(instantParam.parse('1796205600.5')).toBe('1796205600.500000000');
    expect(instantParam.parse('2026-12-02T10:00:00Z')).toBe('1796205600.000000000');
    expect(instantParam.parse('2026-12-02t10:00:00.123456789z')).toBe('1796205600.123456789');
    expect(instantParam.parse('2026-12-02T11:30:00+01:30')).toBe('1796205600.000000000');
    expect(instantParam.parse('2026-12-02T08:00:00.25-02:00')).toBe('1796205600.250000000');
    expect(instantParam.parse('2024-02-29T00:00:00Z')).toBe('1709164800.000000000');
  });
  it('refuse everything else rather than guess', () => {
    for (const bad of [
      '',
      'yesterday',
      '10m',
      '2026-12-02',
      '2026-12-02T10:00:00',
      '2026-12-02 10:00:00Z',
      '2026-13-02T10:00:00Z',
      '2026-02-29T10:00:00Z',
      '2026-12-02T24:00:00Z',
      '2026-12-02T10:60:00Z',
      '2026-12-02T10:00:60Z',
      '2026-12-02T10:00:00+24:00',
      '2026-12-02T10:00:00.1234567890Z',
      '1969-12-31T23:59:59Z',
      '-1',
      '+1',
      '1e9',
      '0x10',
      ' 1',
      '1.',
      '1.1234567890',
      '9'.repeat(12),
    ])
      expect(instantParam.safeParse(bad).success, bad).toBe(false);
  });
  it('compare to the nanosecond', () => {
    expect(compareInstants('1.000000001', '1.000000000')).toBeGreaterThan(0);
    expect(compareInstants('2.000000000', '10.000000000')).toBeLessThan(0);
    expect(compareInstants('5.500000000', '5.500000000')).toBe(0);
  });
});
