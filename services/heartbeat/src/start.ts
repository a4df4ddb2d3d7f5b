import { healthStream } from '@berth/contracts';
import type { SecretKey } from '@berth/auth';
import { BerthError } from '@berth/errors';
import type { EventLog } from '@berth/eventlog';
import { newCommandId } from '@berth/ids';
import { type Logger, warnReadingAgain } from '@berth/log';
import { berthMetrics } from '@berth/metrics';
import { forEachBounded, probeEngine, type ProbeResult } from './probe.js';
import { WATCHED_TYPES, WatchedEngines, type WatchedEngine } from './watched-engines.js';

export type HeartbeatConfig = {
  /** Time between two probe rounds. */
  intervalMs: number;
  /** How long one /_ping may take. */
  timeoutMs: number;
  /** Probes running at once. */
  concurrency: number;
  /** A healthy engine's response time is recorded again after this long. */
  sampleEveryMs: number;
};
export const DEFAULT_HEARTBEAT: HeartbeatConfig = {
  intervalMs: 1000,
  timeoutMs: 800,
  concurrency: 32,
  sampleEveryMs: 60_000,
};

export type HeartbeatDeps = {
  log: EventLog;
  logger: Logger;
  secretKey: SecretKey;
  config?: Partial<HeartbeatConfig>;
};

/**
 * Probes every engine's Docker API each interval and appends EngineHealthChanged to its
 * `health-<id>` stream when the answer changes. Several instances may run: the stream's
 * expected version lets one of them record each change.
 */
export const start = ({ log, logger, secretKey, config = {} }: HeartbeatDeps) => {
  const settings = { ...DEFAULT_HEARTBEAT, ...config };
  const engines = new WatchedEngines();
  const subscription = log.subscribe(1, {
    filter: { types: WATCHED_TYPES },
    onError: warnReadingAgain(logger),
  });

  const record = async (engine: WatchedEngine, result: ProbeResult) => {
    const status = result.ok ? 'healthy' : 'unhealthy';
    const now = Date.now();
    const changed = status !== engine.status;
    if (!changed && now - engine.lastRecordedAt < settings.sampleEveryMs) return;
    const commandId = newCommandId();
    const data = {
      id: engine.id,
      status,
      responseTimeMs: result.ok ? result.responseTimeMs : null,
      checkedAt: new Date(now).toISOString(),
      reason: result.ok ? (changed ? 'answers /_ping' : 'periodic sample') : result.reason,
    } as const;
    try {
      await log.append(healthStream(engine.id), engine.healthVersion, [
        {
          type: 'EngineHealthChanged',
          data,
          metadata: {
            actor: 'heartbeat',
            commandId,
            correlationId: commandId,
            causationId: commandId,
          },
        },
      ]);
      // Known at once, so the next round does not record it again before the follower sees it.
      Object.assign(engine, {
        status,
        healthVersion: engine.healthVersion + 1,
        lastRecordedAt: now,
      });
      if (changed)
        logger.info({ engine: engine.id, status, reason: data.reason }, 'engine health changed');
    } catch (error) {
      if (!(error instanceof BerthError && error.code === 'conflict')) throw error; // another instance recorded it
    }
  };

  const probeAndRecord = async (engine: WatchedEngine) => {
    try {
      const began = performance.now();
      const result = await probeEngine(engine, settings.timeoutMs, secretKey);
      berthMetrics.probeSeconds.observe(
        { outcome: result.ok ? 'ok' : 'failed' },
        (performance.now() - began) / 1000,
      );
      await record(engine, result);
    } catch (error) {
      logger.warn({ err: error, engine: engine.id }, 'health not recorded');
    }
  };

  const following = (async () => {
    for await (const event of subscription) {
      engines.apply(event);
      // A new engine is probed at once, not at the next round: it joins the pool sooner.
      const added =
        event.type === 'EngineAdded' ? engines.get((event.data as { id: string }).id) : undefined;
      if (added?.status === 'pending') void probeAndRecord(added);
    }
  })();

  let stopped = false;
  const rounds = (async () => {
    while (!stopped) {
      const began = Date.now();
      await forEachBounded(engines.all(), settings.concurrency, probeAndRecord);
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, settings.intervalMs - (Date.now() - began))),
      );
    }
  })();

  return Promise.resolve({
    stop: async () => {
      stopped = true;
      subscription.close();
      await Promise.all([rounds, following.catch(() => undefined)]);
    },
  });
};
