import type Docker from 'dockerode';
import { subjects } from '@berth/contracts';
import { encode, type NatsConnection } from '@berth/bus';
import type { Logger } from '@berth/log';
import { statsShares } from './stats-budget.js';
import { UsageSampler } from './usage-sampler.js';

/**
 * Every `intervalMs`, samples each engine this instance owns and publishes the figures on the
 * bus for the read model. An engine still being sampled is skipped, not sampled twice over.
 * One round makes at most `statsPerSecond × intervalMs` stats calls, shared between the
 * engines in proportion to their containers (`statsShares`): ten thousand containers read
 * every 5 s would be 2,000 calls a second, a cost to every Docker daemon and to this process,
 * for figures that move slowly.
 */
export const reportUsage = (
  nc: NatsConnection,
  owned: () => Iterable<string>,
  docker: (engine: string) => Docker,
  settings: { intervalMs: number; statsPerSecond: number },
  logger: Logger,
) => {
  const samplers = new Map<string, UsageSampler>();
  const busy = new Set<string>();
  let rounds = 0;
  const statsPerRound = Math.max(
    1,
    Math.floor((settings.statsPerSecond * settings.intervalMs) / 1000),
  );
  const notSampled = (engine: string) => (error: unknown) =>
    logger.debug({ err: error, engine }, 'usage not sampled');

  const round = async () => {
    const engines = new Set(owned());
    for (const engine of samplers.keys()) if (!engines.has(engine)) samplers.delete(engine);
    const due = [...engines].filter((engine) => !busy.has(engine));
    for (const engine of due) busy.add(engine);
    const listed = await Promise.all(
      due.map(async (engine) => {
        let sampler = samplers.get(engine);
        if (sampler === undefined) samplers.set(engine, (sampler = new UsageSampler(engine)));
        const running = await sampler.running(docker(engine)).catch((error: unknown) => {
          notSampled(engine)(error);
          busy.delete(engine);
          return undefined;
        });
        return { engine, sampler, running };
      }),
    );
    const sampled = listed.filter(
      (e): e is { engine: string; sampler: UsageSampler; running: string[] } =>
        e.running !== undefined,
    );
    const shares = statsShares(
      sampled.map((e) => e.running.length),
      statsPerRound,
      rounds++,
    );
    sampled.forEach(({ engine, sampler, running }, i) => {
      sampler
        .sample(docker(engine), running, shares[i] ?? 0)
        .then((sample) => nc.publish(subjects.usage, encode(sample)))
        .catch(notSampled(engine))
        .finally(() => busy.delete(engine));
    });
  };
  const timer =
    settings.intervalMs > 0 ? setInterval(() => void round(), settings.intervalMs) : undefined;
  timer?.unref();
  return { stop: () => clearInterval(timer) };
};
