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

/**
 * Measures what one engine's running containers use. Docker's one-shot stats answer at once
 * but with no previous reading, so CPU comes from this sampler's own previous reading of each
 * container: the first sample of a container counts its memory, the next also its CPU.
 */
export class UsageSampler {
  private previous = new Map<string, CpuReading>();

  constructor(readonly engine: string) {}

  async sample(docker: Docker): Promise<EngineUsageSample> {
    const running = await docker.listContainers();
    const readings = new Map<string, CpuReading>();
    let usedCpus = 0;
    let usedMemory = 0;
    for (let i = 0; i < running.length; i += PARALLEL) {
      const batch = running.slice(i, i + PARALLEL);
      const stats = await Promise.all(
        batch.map(
          (c) =>
            docker
              .getContainer(c.Id)
              .stats({ stream: false, 'one-shot': true })
              .catch(() => undefined), // gone since the list: it uses nothing now
        ),
      );
      batch.forEach((container, at) => {
        const answer = stats[at];
        if (answer === undefined) return;
        usedMemory += memoryInUse(answer.memory_stats);
        const reading = readingOf(answer);
        if (reading === undefined) return;
        readings.set(container.Id, reading);
        const before = this.previous.get(container.Id);
        if (before !== undefined) usedCpus += cpusBetween(before, reading);
      });
    }
    this.previous = readings;
    return {
      engine: this.engine,
      usedCpus: Math.round(usedCpus * 1000) / 1000,
      usedMemory: Math.round(usedMemory / MB),
      containers: running.length,
      sampledAt: new Date().toISOString(),
    };
  }
}
