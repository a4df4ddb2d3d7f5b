import type Docker from 'dockerode';
import type { EngineUsageSample } from '@berth/contracts';

/** One container's CPU counters as Docker stats read them. */
export type CpuReading = {
  /** ns of CPU time the container used, ever. */
  containerNs: number;
  /** ns of CPU time the whole host used, ever (summed over its CPUs). */
  hostNs: number;
  onlineCpus: number;
};

/**
 * CPUs a container kept busy between two readings (1 = one CPU), as `docker stats` reckons it:
 * its share of the host's CPU time times the host's CPUs. 0 when the counters went back (the
 * container restarted) or did not move.
 */
export const cpusBetween = (before: CpuReading, after: CpuReading): number => {
  const container = after.containerNs - before.containerNs;
  const host = after.hostNs - before.hostNs;
  if (container <= 0 || host <= 0) return 0;
  return (container / host) * after.onlineCpus;
};

/** Bytes in use, page cache that can be dropped left out (cgroup v2 and v1 name it apart). */
export const memoryInUse = (memory: Docker.MemoryStats | undefined): number => {
  if (memory?.usage === undefined) return 0;
  const stats = memory.stats as Record<string, number | undefined> | undefined;
  const inactive = stats?.inactive_file ?? stats?.total_inactive_file ?? 0;
  return Math.max(0, memory.usage - inactive);
};

const readingOf = (stats: Docker.ContainerStats): CpuReading | undefined => {
  const cpu = stats.cpu_stats as Partial<Docker.CPUStats> | undefined;
  const containerNs = cpu?.cpu_usage?.total_usage;
  const hostNs = cpu?.system_cpu_usage;
  if (containerNs === undefined || hostNs === undefined) return undefined;
  return { containerNs, hostNs, onlineCpus: cpu?.online_cpus ?? 1 };
};

const MB = 1024 * 1024;
/**
 * Stats calls at once on one engine. Docker answers a one-shot call at its stats collector's
 * next tick (once a second), so calls made together finish together.
 */
const PARALLEL = 64;

/** What the sampler last learnt of one container. */
type Known = { reading: CpuReading | undefined; cpus: number; memory: number; readAt: number };

/**
 * The `allowance` containers to read this time: those never read first, then those read
 * longest ago, so under a tight budget every container is refreshed in turn.
 */
export const containersToRead = (
  running: readonly string[],
  readAt: (id: string) => number | undefined,
  allowance: number,
): string[] =>
  running.length <= allowance
    ? [...running]
    : [...running]
        .sort((a, b) => (readAt(a) ?? -Infinity) - (readAt(b) ?? -Infinity))
        .slice(0, Math.max(0, allowance));

/**
 * Measures what one engine's running containers use. Docker's one-shot stats answer at once
 * but with no previous reading, so CPU comes from this sampler's own previous reading of each
 * container: the first reading of a container counts its memory, the next also its CPU. A
 * container not read this time (the stats budget is spent) counts with what it was last read at.
 */
export class UsageSampler {
  private known = new Map<string, Known>();
  private rounds = 0;

  constructor(readonly engine: string) {}

  /** The ids of the engine's running containers: one list call. */
  async running(docker: Docker): Promise<string[]> {
    return (await docker.listContainers()).map((c) => c.Id);
  }

  /** Reads at most `allowance` of the `running` containers' stats and sums up all of them. */
  async sample(docker: Docker, running: string[], allowance: number): Promise<EngineUsageSample> {
    const round = ++this.rounds;
    const chosen = containersToRead(running, (id) => this.known.get(id)?.readAt, allowance);
    for (let i = 0; i < chosen.length; i += PARALLEL) {
      const batch = chosen.slice(i, i + PARALLEL);
      const stats = await Promise.all(
        batch.map(
          (id) =>
            docker
              .getContainer(id)
              .stats({ stream: false, 'one-shot': true })
              .catch(() => undefined), // gone since the list: it uses nothing now
        ),
      );
      batch.forEach((id, at) => {
        const answer = stats[at];
        if (answer === undefined) return void this.known.delete(id);
        const before = this.known.get(id)?.reading;
        const reading = readingOf(answer);
        this.known.set(id, {
          reading,
          cpus: before !== undefined && reading !== undefined ? cpusBetween(before, reading) : 0,
          memory: memoryInUse(answer.memory_stats),
          readAt: round,
        });
      });
    }
    const stillRunning = new Set(running);
    for (const id of this.known.keys()) if (!stillRunning.has(id)) this.known.delete(id);
    let usedCpus = 0;
    let usedMemory = 0;
    for (const { cpus, memory } of this.known.values()) {
      usedCpus += cpus;
      usedMemory += memory;
    }
    return {
      engine: this.engine,
      usedCpus: Math.round(usedCpus * 1000) / 1000,
      usedMemory: Math.round(usedMemory / MB),
      containers: running.length,
      sampledAt: new Date().toISOString(),
    };
  }
}
