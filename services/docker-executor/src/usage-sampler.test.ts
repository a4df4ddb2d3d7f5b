import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { containersToRead, cpusBetween, memoryInUse } from './usage-sampler.js';

describe('usage arithmetic', () => {
  it('counts CPUs busy as docker stats does: the container’s share of host time times CPUs', () => {
    const before = { containerNs: 1e9, hostNs: 100e9, onlineCpus: 2 };
    // The host's two CPUs ran 10 s between readings (5 s of wall time); the container 5 s.
    expect(cpusBetween(before, { containerNs: 6e9, hostNs: 110e9, onlineCpus: 2 })).toBe(1);
    expect(cpusBetween(before, { containerNs: 1e9, hostNs: 110e9, onlineCpus: 2 })).toBe(0);
  });

  it('counts nothing when a counter went back (the container restarted)', () => {
    const before = { containerNs: 9e9, hostNs: 100e9, onlineCpus: 2 };
    expect(cpusBetween(before, { containerNs: 1e9, hostNs: 110e9, onlineCpus: 2 })).toBe(0);
  });

  it('leaves droppable page cache out of memory, under cgroup v2 and v1 names', () => {
    const v2 = { usage: 100, stats: { inactive_file: 30 } } as unknown as Docker.MemoryStats;
    const v1 = { usage: 100, stats: { total_inactive_file: 40 } } as unknown as Docker.MemoryStats;
    expect(memoryInUse(v2)).toBe(70);
    expect(memoryInUse(v1)).toBe(60);
    expect(memoryInUse(undefined)).toBe(0);
  });
});

describe('containersToRead', () => {
  const lastRead = new Map([
    ['a', 3],
    ['b', 1],
    ['c', 2],
  ]);
  const readAt = (id: string) => lastRead.get(id);

  it('reads every container while the allowance covers them', () => {
    expect(containersToRead(['a', 'b', 'c'], readAt, 3)).toEqual(['a', 'b', 'c']);
  });

  it('reads the never-read first, then those read longest ago', () => {
    expect(containersToRead(['a', 'b', 'new', 'c'], readAt, 2)).toEqual(['new', 'b']);
    expect(containersToRead(['a', 'b', 'c'], readAt, 2)).toEqual(['b', 'c']);
    expect(containersToRead(['a', 'b', 'c'], readAt, 0)).toEqual([]);
  });
});
