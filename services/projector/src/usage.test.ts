import { describe, expect, it } from 'vitest';
import type { EngineState } from './projections/engines.js';
import { MeasuredUsage } from './usage.js';

const engine = (id: string, cpus: number) =>
  ({ id, cpus, memory: 4096, reservedCpus: 0, reservedMemory: 0 }) as EngineState;
const sample = (engine: string, usedCpus: number, usedMemory: number) => ({
  engine,
  usedCpus,
  usedMemory,
  containers: 1,
  sampledAt: new Date(0).toISOString(),
});

describe('measured usage', () => {
  it('shows an engine’s CPUs in use as a percent of its own, with its memory', () => {
    const usage = new MeasuredUsage(20_000, () => 0);
    usage.record(sample('a', 1.02, 300));
    expect(usage.of(engine('a', 2))).toMatchObject({ usedCpuPercent: 51, usedMemory: 300 });
  });

  it('is null for an engine never sampled, and once its sample is older than the limit', () => {
    let now = 0;
    const usage = new MeasuredUsage(20_000, () => now);
    expect(usage.of(engine('a', 2))).toMatchObject({ usedCpuPercent: null, usedMemory: null });
    usage.record(sample('a', 1, 10));
    now = 20_001;
    expect(usage.of(engine('a', 2))).toMatchObject({ usedCpuPercent: null, usedMemory: null });
  });

  it('totals the sampled engines against the whole pool', () => {
    const usage = new MeasuredUsage(20_000, () => 0);
    usage.record(sample('a', 1, 100));
    usage.record(sample('b', 0.5, 50));
    usage.record(sample('gone', 8, 800)); // not in the pool any more
    const pool = [engine('a', 2), engine('b', 2), engine('c', 4)];
    expect(usage.total(pool)).toEqual({ usedCpuPercent: 18.8, usedMemory: 150 });
    expect(new MeasuredUsage(1).total(pool)).toEqual({ usedCpuPercent: null, usedMemory: null });
  });
});
