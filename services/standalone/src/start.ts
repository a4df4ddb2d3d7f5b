// The composition root of one-machine mode: the only module that starts several services.
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import type { SecretKey } from '@berth/auth';
import { start as startAccount } from '@berth/account';
import { start as startApi } from '@berth/api';
import { start as startExecutor } from '@berth/docker-executor';
import { start as startEngineRegistry } from '@berth/engine-registry';
import { start as startHeartbeat } from '@berth/heartbeat';
import { etcdAnchors, start as startProjector } from '@berth/projector';
import { DEFAULT_ROUTER, start as startRouter } from '@berth/router';
import { start as startScheduler } from '@berth/scheduler';
import { connectNats, type NatsConnection } from '@berth/bus';
import { openEventLog, type EventLog } from '@berth/eventlog';
import { startEtcd, startNatsServer } from '@berth/local-infra';
import type { Logger } from '@berth/log';
import type { StandaloneConfig } from './config.js';
import { addLocalEngine } from './local-engine.js';
import { loadSecretKey } from './secret-key.js';

type Stoppable = { name: string; stop: () => Promise<unknown> };

export const start = async (config: StandaloneConfig, logger: Logger) => {
  const running: Stoppable[] = [];
  const stop = async () => {
    for (const part of running.reverse()) {
      await part
        .stop()
        .catch((error: unknown) => logger.warn({ err: error, part: part.name }, 'stop failed'));
    }
    running.length = 0;
  };

  // Connections are filled in as they come up; /healthz answers 503 until all are there.
  const parts: { nc?: NatsConnection; log?: EventLog; etcd?: Etcd3; secretKey?: SecretKey } = {};
  const api = await startApi(
    {
      host: config.host,
      port: config.port,
      tokenTtlMs: config.tokenTtlMs,
      streamLimits: config.streamLimits,
      login: config.login,
      logsMaxBytes: config.logsMaxBytes,
    },
    {
      logger,
      nats: () => parts.nc,
      log: () => parts.log,
      secretKey: () => parts.secretKey,
      checks: {
        nats: () => Promise.resolve(parts.nc !== undefined && !parts.nc.isClosed()),
        eventLog: async () => parts.log !== undefined && (await parts.log.head()) >= 0,
        etcd: async () =>
          parts.etcd !== undefined && (await parts.etcd.maintenance.status()).version !== '',
      },
    },
  );
  running.push({ name: 'api', stop: api.stop });

  try {
    // The log, the secret key, the checkpoint and etcd's data: readable by this user alone.
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    chmodSync(config.dataDir, 0o700);
    const nats =
      config.nats ??
      (await spawned('nats-server', startNatsServer(config.dataDir), running, logger)).access;
    const etcdAccess = config.etcd ?? {
      hosts: [
        (await spawned('etcd', startEtcd(join(config.dataDir, 'etcd')), running, logger)).url,
      ],
    };
    const secretKey = loadSecretKey(config.secretKey, config.dataDir);
    const log = await openEventLog(config.store, secretKey);
    running.push({ name: 'event log', stop: () => log.close() });
    const nc = await connectNats({
      ...nats,
      name: 'berth-standalone',
      maxReconnectAttempts: -1,
    });
    running.push({ name: 'nats connection', stop: () => nc.drain() });
    const etcd = new Etcd3(etcdAccess);
    running.push({ name: 'etcd client', stop: () => Promise.resolve(etcd.close()) });
    Object.assign(parts, { nc, log, etcd, secretKey });

    const projector = await startProjector({
      nc,
      log,
      logger: logger.child({ service: 'projector' }),
      quotaDefaults: config.quotaDefaults,
      checkpointFile: join(config.dataDir, 'read-model.checkpoint.json'),
      anchors: etcdAnchors(etcd),
      anchorEveryMs: config.anchorEveryMs,
    });
    running.push({ name: 'projector', stop: projector.stop });
    const registry = await startEngineRegistry({
      nc,
      log,
      etcd,
      secretKey,
      logger: logger.child({ service: 'engine-registry' }),
    });
    running.push({ name: 'engine-registry', stop: registry.stop });
    const heartbeat = await startHeartbeat({
      log,
      secretKey,
      config: config.heartbeat,
      logger: logger.child({ service: 'heartbeat' }),
    });
    running.push({ name: 'heartbeat', stop: heartbeat.stop });
    const accounts = await startAccount({
      nc,
      log,
      logger: logger.child({ service: 'account' }),
      admin: config.admin,
    });
    running.push({ name: 'account', stop: accounts.stop });
    const scheduler = await startScheduler({
      nc,
      log,
      secretKey,
      logger: logger.child({ service: 'scheduler' }),
      quotaDefaults: config.quotaDefaults,
    });
    running.push({ name: 'scheduler', stop: scheduler.stop });
    const executor = await startExecutor({
      nc,
      log,
      etcd,
      secretKey,
      config: config.executor,
      logger: logger.child({ service: 'docker-executor' }),
    });
    running.push({ name: 'docker-executor', stop: executor.stop });
    if (config.router !== undefined) {
      const router = await startRouter({
        log,
        etcd,
        logger: logger.child({ service: 'router' }),
        config: {
          ...DEFAULT_ROUTER,
          host: config.host,
          ...config.router,
          dir: join(config.dataDir, 'router'),
        },
      });
      running.push({ name: 'router', stop: router.stop });
    }

    if (config.localEngine !== undefined) await addLocalEngine(nc, config.localEngine, logger);
    api.markStarted();
    logger.info(
      {
        port: api.port,
        store: config.store.store,
        nats: nats.servers,
        etcd: etcdAccess.hosts.join(','),
      },
      'berth is ready',
    );
    return { port: api.port, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};

const spawned = async <C extends { url: string; pid: number; stop: () => Promise<void> }>(
  name: string,
  starting: Promise<C>,
  running: Stoppable[],
  logger: Logger,
): Promise<C> => {
  const child = await starting;
  running.push({ name, stop: child.stop });
  logger.info({ pid: child.pid, url: child.url }, `${name} started`);
  return child;
};
