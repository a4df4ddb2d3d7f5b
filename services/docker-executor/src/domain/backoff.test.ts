import { describe, expect, it } from 'vitest';
import { BACKOFF, nextDelayMs } from './backoff.js';

describe('restart backoff', () => {
  it('waits 1 s first, then doubles up to 5 min', () => {
    const delays: number[] = [];
    let previous: number | undefined;
    for (let i = 0; i < 12; i++) delays.push((previous = nextDelayMs(previous, 50)));
    expect(delays).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000,
    ]);
  });

  it('starts over after 10 min up, not before', () => {
    expect(nextDelayMs(300_000, BACKOFF.resetAfterMs)).toBe(1000);
    expect(nextDelayMs(300_000, BACKOFF.resetAfterMs - 1)).toBe(300_000);
    expect(nextDelayMs(4000, 0)).toBe(8000);
  });
});
