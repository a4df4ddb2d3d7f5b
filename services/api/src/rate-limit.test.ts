import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './rate-limit.js';

describe('FailureLimiter', () => {
  it('blocks a key after `limit` failures in the window and frees it when they age out', () => {
    const limiter = new FailureLimiter(3, 60_000);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter('u', 1000 + i)).toBe(0);
      limiter.fail('u', 1000 + i);
    }
    expect(limiter.retryAfter('u', 2000)).toBe(59_000);
    expect(limiter.retryAfter('other', 2000)).toBe(0);
    expect(limiter.retryAfter('u', 61_001)).toBe(0);
  });

  it('forgets failures after a success', () => {
    const limiter = new FailureLimiter(2, 60_000);
    limiter.fail('u', 1);
    limiter.succeed('u');
    limiter.fail('u', 2);
    expect(limiter.retryAfter('u', 3)).toBe(0);
  });
});
