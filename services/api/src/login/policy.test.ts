import { describe, expect, it } from 'vitest';
import {
  admitAddress,
  admitPair,
  refundAddress,
  type AddressCounter,
  type LoginLimits,
  type PairCounter,
} from './policy.js';

const limits: LoginLimits = {
  freeAttempts: 3,
  firstDelayMs: 1000,
  maxDelayMs: 8000,
  perAddressPerMinute: 6,
};

describe('admitPair', () => {
  it('lets `freeAttempts` through at once, then doubles the wait up to the cap', () => {
    let counter: PairCounter | undefined;
    const waits: number[] = [];
    let now = 0;
    for (let i = 0; i < 7; i++) {
      const admission = admitPair(counter, now, limits);
      if (!admission.admitted) throw new Error(`attempt ${i} refused`);
      counter = admission.next;
      waits.push(counter.notBefore === 0 ? 0 : counter.notBefore - now);
      now = Math.max(now, counter.notBefore);
    }
    expect(waits).toEqual([0, 0, 1000, 2000, 4000, 8000, 8000]);
  });

  it('refuses an attempt before its time, saying how long to wait, and counts nothing', () => {
    const counter = { attempts: 3, notBefore: 5000 };
    expect(admitPair(counter, 4000, limits)).toEqual({ admitted: false, retryAfterMs: 1000 });
    expect(admitPair(counter, 5000, limits)).toEqual({
      admitted: true,
      next: { attempts: 4, notBefore: 7000 },
    });
  });
});

describe('admitAddress', () => {
  it('takes `perAddressPerMinute` at once, then one each time the bucket drained one', () => {
    let counter: AddressCounter | undefined;
    for (let i = 0; i < 6; i++) {
      const admission = admitAddress(counter, 0, limits);
      expect(admission.admitted).toBe(true);
      if (admission.admitted) counter = admission.next;
    }
    expect(admitAddress(counter, 0, limits)).toEqual({ admitted: false, retryAfterMs: 10_000 });
    expect(admitAddress(counter, 4000, limits)).toEqual({ admitted: false, retryAfterMs: 6000 });
    expect(admitAddress(counter, 10_000, limits).admitted).toBe(true);
  });

  it('gives a successful attempt back', () => {
    const full = { level: 6, at: 0 };
    expect(admitAddress(full, 0, limits).admitted).toBe(false);
    expect(admitAddress(refundAddress(full, 0, limits), 0, limits).admitted).toBe(true);
    expect(refundAddress(undefined, 0, limits)).toEqual({ level: 0, at: 0 });
  });
});
