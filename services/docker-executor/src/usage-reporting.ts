import type Docker from 'dockerode';
import { subjects } from '@berth/contracts';
import { encode, type NatsConnection } from '@berth/bus';
import type { Logger } from '@berth/log';
import { UsageSampler } from './usage-sampler.js';

/**
 * Every `intervalMs`, samples each engine this instance owns and publishes the figures on the
 * bus for the read model. An engine still being sampled is skipped, not sampled twice over.
 */
export const reportUsage = (
  nc: NatsConnection,
  owned: () => Iterable<string>,
  docker: (engine: string) => Docker,
  intervalMs: number,
  logger: Logger,
) => {
  const samplers = new Map<string, UsageSampler>();
  const busy = new Set<string>();
  const round = () => {
    const engines = new Set(owned());
    for (const engine of samplers.keys()) if (!engines.has(engine)) samplers.delete(engine);
    for (const engine of engines) {
      if (busy.has(engine)) continue;
      let sampler = samplers.get(engine);
      if (sampler === undefined) samplers.set(engine, (sampler = new UsageSampler(engine)));
      busy.add(engine);
      sampler
        .sample(docker(engine))
        .then((sample) => nc.publish(subjects.usage, encode(sample)))
        .catch((error: unknown) => logger.debug({ err: error, engine }, 'usage not sampled'))
        .finally(() => busy.delete(engine));
    }
  };
  const timer = intervalMs > 0 ? setInterval(round, intervalMs) : undefined;
  timer?.unref();
  return { stop: () => clearInterval(timer) };
};
