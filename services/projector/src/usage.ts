import type { ClusterInfo, Engine, EngineUsageSample } from '@berth/contracts';
import type { EngineState } from './projections/engines.js';

type Usage = Pick<Engine, 'usedCpuPercent' | 'usedMemory'>;
const UNKNOWN: Usage = { usedCpuPercent: null, usedMemory: null };

/**
 * The latest usage sample of each engine, as its executor published it. A sample older than
 * `maxAgeMs` says nothing any more (its executor stopped or lost the engine): the figures are
 * then null rather than stale.
 */
export class MeasuredUsage {
  private readonly latest = new Map<string, { sample: EngineUsageSample; receivedAt: number }>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  record(sample: EngineUsageSample): void {
    this.latest.set(sample.engine, { sample, receivedAt: this.now() });
  }

  /** An engine as clients read it: its state from the log and its measured usage. */
  of(engine: EngineState): Engine {
    const sample = this.fresh(engine.id);
    const usage =
      sample === undefined
        ? UNKNOWN
        : { usedCpuPercent: percent(sample.usedCpus, engine.cpus), usedMemory: sample.usedMemory };
    return { ...engine, ...usage };
  }

  /** The pool's measured usage: the sampled engines' sum against the whole pool's CPUs. */
  total(inPool: EngineState[]): Pick<ClusterInfo, 'usedCpuPercent' | 'usedMemory'> {
    const samples = inPool.flatMap((e) => this.fresh(e.id) ?? []);
    if (samples.length === 0) return UNKNOWN;
    const cpus = inPool.reduce((sum, e) => sum + e.cpus, 0);
    return {
      usedCpuPercent: percent(
        samples.reduce((sum, s) => sum + s.usedCpus, 0),
        cpus,
      ),
      usedMemory: samples.reduce((sum, s) => sum + s.usedMemory, 0),
    };
  }

  private fresh(engine: string): EngineUsageSample | undefined {
    const entry = this.latest.get(engine);
    if (entry === undefined) return undefined;
    if (this.now() - entry.receivedAt > this.maxAgeMs) {
      this.latest.delete(engine);
      return undefined;
    }
    return entry.sample;
  }
}

/** One decimal, as `docker stats` shows it. */
const percent = (used: number, of: number) => (of > 0 ? Math.round((used / of) * 1000) / 10 : 0);
