import { describe, expect, it } from 'vitest';
import { quotaRefusal } from './quota.js';

const quota = { replicas: 3, cpus: 1, memory: 512 };
const used = (replicas: number, cpus: number, memory: number) => ({ replicas, cpus, memory });

describe('quotaRefusal', () => {
  it('lets a request up to the limit through', () => {
    expect(quotaRefusal(quota, used(1, 0.2, 128), used(2, 0.8, 384))).toBeUndefined();
  });

  it('names the replica limit as the count field, with limit and usage', () => {
    expect(quotaRefusal(quota, used(2, 0.2, 128), used(2, 0.2, 128))).toEqual({
      field: 'count',
      message: 'quota exceeded: at most 3 replicas, 2 reserved, this asks for 2 more',
    });
  });

  it('names cpus and memory when they are what runs out', () => {
    expect(quotaRefusal(quota, used(0, 0.5, 0), used(1, 0.6, 64))?.field).toBe('cpus');
    expect(quotaRefusal(quota, used(0, 0, 500), used(1, 0.1, 64))).toEqual({
      field: 'memory',
      message: 'quota exceeded: at most 512 MB of memory, 500 reserved, this asks for 64 more',
    });
  });

  it('has no limit where the quota is null', () => {
    const none = { replicas: null, cpus: null, memory: null };
    expect(quotaRefusal(none, used(1000, 500, 1e6), used(1000, 500, 1e6))).toBeUndefined();
  });

  it('does not refuse for floating-point dust', () => {
    expect(quotaRefusal({ ...quota, cpus: 0.3 }, used(2, 0.2, 0), used(1, 0.1, 0))).toBeUndefined();
  });

  it('refuses anything at a zero quota', () => {
    expect(quotaRefusal({ ...quota, replicas: 0 }, used(0, 0, 0), used(1, 0.1, 64))?.field).toBe(
      'count',
    );
  });
});
