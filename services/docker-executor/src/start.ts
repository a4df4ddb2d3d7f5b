import type Docker from 'dockerode';
import type { Etcd3 } from 'etcd3';
import type { ContainerEvent, EngineEvent, RecordedEvent } from '@berth/contracts';
import { openSecret, type SecretKey } from '@berth/auth';
import type { NatsConnection } from '@berth/bus';
import { dockerClient, type TlsMaterial } from '@berth/docker';
import { catchUpThenReact, type EventLog } from '@berth/eventlog';
import { newId } from '@berth/ids';
import { type Logger, warnReadingAgain } from '@berth/log';
import { EngineWorker, type ExecutorSettings } from './engine-worker.js';
import { ExecutorView, VIEWED_TYPES } from './executor-view.js';
import { RouteDrains } from './route-drains.js';
import { serveLifecycleCommands } from './handlers/commands.js';
import { serveImageChanged } from './handlers/image-changed.js';
import { serveLogs } from './handlers/logs.js';
import { engineOwnership } from './ownership.js';
import { reportUsage } from './usage-reporting.js';

export type ExecutorConfig = ExecutorSettings & {
  /** The etcd lease behind each engine's election: how long a dead instance keeps it. */
  leaseSeconds: number;
  stopGraceSeconds: number;
};
export const DEFAULT_EXECUTOR: ExecutorConfig = {
  concurrency: 16,
  dockerTimeoutMs: 15_000,
  pullIdleMs: 10_000,
  pullTimeoutMs: 600_000,
  routeDrainWaitMs: 10_000,
  containerEventsPerMinute: 20,
  usageIntervalMs: 5000,
  usageStatsPerSecond: 200,
  leaseSeconds: 10,
  stopGraceSeconds: 10,
};

export type ExecutorDeps = {
  nc: NatsConnection;
  log: EventLog;
  logger: Logger;
  etcd: Etcd3;
  secretKey: SecretKey;
  config?: Partial<ExecutorConfig>;
};

/**
 * Follows the log; for each engine it wins the election of, creates placed replicas, removes
 * released ones and records Docker's events. Lifecycle commands and logs go to any instance.
 */
export const start = async ({ nc, log, logger, etcd, secretKey, config = {} }: ExecutorDeps) => {
  const settings = { ...DEFAULT_EXECUTOR, ...config };
  const view = new ExecutorView();
  const drains = new RouteDrains();
  const workers = new Map<string, EngineWorker>();

  // One client per engine address and timeout: each create makes several calls.
  const clients = new Map<string, Docker>();
  const docker = (engine: string, timeoutMs: number) => {
    const info = view.engines.get(engine);
    const key = `${info?.addr ?? ''} ${info?.tls ?? ''} ${timeoutMs}`;
    let client = clients.get(key);
    if (client === undefined) {
      const tls =
        info?.tls === undefined
          ? undefined
          : (JSON.parse(openSecret(secretKey, info.tls)) as TlsMaterial);
      client = dockerClient({ addr: info?.addr ?? 'unix:///nonexistent', tls }, timeoutMs);
      clients.set(key, client);
    }
    return client;
  };
  const context = { log, logger, view, drains, settings, docker, secretKey };

  const ownership = engineOwnership(etcd, `executor-${newId()}`, settings.leaseSeconds, logger, {
    acquired: (engine) => {
      const worker = new EngineWorker(context, engine);
      workers.set(engine, worker);
      worker
        .start()
        .catch((error: unknown) =>
          logger.warn({ err: error, engine }, 'engine work did not start'),
        );
    },
    lost: (engine) => {
      const worker = workers.get(engine);
      workers.delete(engine);
      void worker?.stop();
    },
  });

  const react = (recorded: RecordedEvent) => {
    const event = recorded as unknown as EngineEvent | ContainerEvent;
    switch (event.type) {
      case 'EngineAdded':
        ownership.want(event.data.id);
        return Promise.resolve();
      case 'EngineRemoved':
        return ownership.drop(event.data.id);
      case 'EngineHealthChanged':
        // Back after an absence: do what could not be done meanwhile.
        if (event.data.status === 'healthy') void workers.get(event.data.id)?.reconcile();
        return Promise.resolve();
      case 'ContainerPlaced':
      case 'ContainerReleased':
        workers.get(event.data.engine)?.enqueue(event.data.container);
        return Promise.resolve();
      case 'ContainerBackoff':
        workers
          .get(event.data.engine)
          ?.restarts.due(event.data.container, event.data.until, recorded);
        return Promise.resolve();
      default:
        return Promise.resolve();
    }
  };

  const follower = catchUpThenReact(
    log,
    { types: [...VIEWED_TYPES, 'RouteChanged'] },
    (e) => (view.apply(e), drains.apply(e)),
    react,
    {
      name: 'docker-executor',
      onError: warnReadingAgain(logger),
    },
  );
  await follower.caughtUp;
  for (const engine of view.engines.keys()) ownership.want(engine);
  const commands = serveLifecycleCommands(nc, log, view, docker, settings.stopGraceSeconds, (id) =>
    drains.whenDrained(id, settings.routeDrainWaitMs),
  );
  const logs = serveLogs(nc, log, docker, logger);
  const images = serveImageChanged(nc, { ...context, dockerTimeoutMs: settings.dockerTimeoutMs });
  const usage = reportUsage(
    nc,
    () => workers.keys(),
    (engine) => docker(engine, settings.dockerTimeoutMs),
    { intervalMs: settings.usageIntervalMs, statsPerSecond: settings.usageStatsPerSecond },
    logger,
  );

  return {
    stop: async () => {
      usage.stop();
      await Promise.all([commands.stop(), logs.stop(), images.stop(), follower.stop()]);
      await Promise.all([...workers.values()].map((w) => w.stop()));
      await ownership.stop();
    },
  };
};
