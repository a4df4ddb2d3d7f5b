import { trackRouterRequests } from '@berth/metrics';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import {
  routeStream,
  SERVICES_PREFIX,
  serviceEndpointKey,
  type RouteChanged,
} from '@berth/contracts';
import { BerthError } from '@berth/errors';
import { catchUpThenReact, type EventLog } from '@berth/eventlog';
import { newCommandId } from '@berth/ids';
import { spawnChild, waitUntil } from '@berth/local-infra';
import { type Logger, warnReadingAgain } from '@berth/log';
import { Backends } from './backends.js';
import { renderConfig, type ProxyLayout } from './haproxy-config.js';
import { ROUTE_VIEW_TYPES, RouteView, type Route } from './route-view.js';
import { runtimeCommand } from './runtime-api.js';

export type RouterConfig = {
  host: string;
  port: number;
  domain: string;
  /** Where haproxy's configuration, hosts map and runtime socket live. */
  dir: string;
  services: number;
  replicasPerService: number;
  /** The longest a leaving replica is waited for to finish its requests. */
  drainMs: number;
};
export const DEFAULT_ROUTER = {
  host: '127.0.0.1',
  port: 8080,
  domain: 'localhost',
  services: 64,
  replicasPerService: 32,
  drainMs: 5000,
} as const;

export type RouterDeps = { log: EventLog; etcd: Etcd3; logger: Logger; config: RouterConfig };

/**
 * Runs HAProxy as a child process and keeps its backends equal to the ready replicas of every
 * named group: `<name>.<domain>` reaches them. A replica that leaves is drained, then recorded
 * as `RouteChanged drained` so its executor may stop it. Endpoints also go to etcd.
 */
export const start = async ({ log, etcd, logger, config }: RouterDeps) => {
  const layout: ProxyLayout = {
    host: config.host,
    port: config.port,
    socket: join(config.dir, 'admin.sock'),
    hostsMap: join(config.dir, 'hosts.map'),
    services: config.services,
    replicasPerService: config.replicasPerService,
  };
  await mkdir(config.dir, { recursive: true });
  await rm(layout.socket, { force: true });
  await writeFile(layout.hostsMap, '');
  const configFile = join(config.dir, 'haproxy.cfg');
  await writeFile(configFile, renderConfig(layout));
  const haproxy = spawnChild('haproxy', ['-f', configFile, '-db']);
  const api = (command: string) => runtimeCommand(layout.socket, command);
  try {
    await waitUntil('haproxy', () => api('show info'), 10_000);
  } catch (error) {
    await haproxy.stop();
    throw new Error(`haproxy failed: ${haproxy.output()}`, { cause: error });
  }

  const view = new RouteView();
  const backends = new Backends(api, layout, config.domain);
  const untrack = trackRouterRequests(() => backends.requestsByService());
  const leaving = new Map<string, Promise<void>>();

  const record = async (route: Route, state: RouteChanged['state']) => {
    const known = view.recorded.get(route.container);
    if ((known?.state ?? 'drained') === state) return;
    const commandId = newCommandId();
    try {
      const { version } = await log.append(routeStream(route.container), known?.version ?? 0, [
        {
          type: 'RouteChanged',
          data: { ...route, state },
          metadata: {
            actor: 'router',
            commandId,
            correlationId: commandId,
            causationId: commandId,
          },
        },
      ]);
      view.recorded.set(route.container, { route, state, version });
    } catch (error) {
      if (!(error instanceof BerthError && error.code === 'conflict')) throw error; // another router
    }
  };

  const enter = async (route: Route) => {
    if (!(await backends.add(route))) {
      logger.warn({ service: route.service }, 'no free proxy slot for a replica');
      return;
    }
    await etcd.put(serviceEndpointKey(route.service, route.container)).value(route.endpoint);
    await record(route, 'routed');
    logger.info(route, 'replica routed');
  };

  const leave = async (route: Route) => {
    await backends.drain(route.container, config.drainMs);
    await etcd.delete().key(serviceEndpointKey(route.service, route.container));
    await record(route, 'drained');
    logger.info(route, 'replica drained');
  };

  const routed = new Map<string, Route>();
  const reconcile = async () => {
    const desired = new Map(view.routes().map((r) => [r.container, r]));
    for (const [container, route] of routed) {
      if (desired.get(container)?.endpoint === route.endpoint || leaving.has(container)) continue;
      const done = leave(route)
        .catch((error: unknown) => logger.warn({ err: error, container }, 'drain failed'))
        .finally(() => (routed.delete(container), leaving.delete(container)));
      leaving.set(container, done);
    }
    for (const route of desired.values()) {
      if (routed.has(route.container)) continue;
      routed.set(route.container, route);
      await enter(route);
    }
  };

  // One reconcile at a time; events that arrive meanwhile ask for one more.
  let running: Promise<void> = Promise.resolve();
  let again = false;
  const wanted = (): Promise<void> => {
    if (again) return running;
    again = true;
    running = running.then(() => {
      again = false;
      return reconcile().catch((error: unknown) => logger.warn({ err: error }, 'route failed'));
    });
    return running;
  };

  const follower = catchUpThenReact(
    log,
    { types: ROUTE_VIEW_TYPES },
    (e) => view.apply(e),
    () => (void wanted(), Promise.resolve()),
    {
      name: 'router',
      onError: warnReadingAgain(logger),
    },
  );
  await follower.caughtUp;
  await wanted();
  // Routed by a router that stopped before draining them: this proxy holds nothing of theirs.
  for (const [container, { route, state }] of view.recorded)
    if (state === 'routed' && !routed.has(container)) await record(route, 'drained');
  await forgetStaleEndpoints(etcd, routed);

  return {
    port: config.port,
    stop: async () => {
      untrack();
      await follower.stop();
      await running;
      await Promise.all(leaving.values());
      await haproxy.stop();
    },
  };
};

/** Endpoints in etcd that no replica backs any more (left while no router ran). */
const forgetStaleEndpoints = async (etcd: Etcd3, routed: Map<string, Route>) => {
  const current = new Set(
    [...routed.values()].map((r) => serviceEndpointKey(r.service, r.container)),
  );
  const keys = await etcd.getAll().prefix(SERVICES_PREFIX).keys();
  await Promise.all(keys.filter((k) => !current.has(k)).map((k) => etcd.delete().key(k)));
};
