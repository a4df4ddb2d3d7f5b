import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per process: in one-machine mode every service shares it, in cluster mode each
 * process exposes its own. Metrics are module singletons so that starting a service twice in one
 * process (tests, the standalone launcher) never registers a name twice.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'berth_process_' });

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** How many events a follower of the log (projection, process manager) has yet to handle. */
export type FollowerProbe = () => Promise<number>;
const followers = new Map<string, FollowerProbe>();
/** Where router request counts come from (the router of this process, if it runs one). */
let routerRequests: (() => Promise<Record<string, number>>) | undefined;

export const berthMetrics = {
  commands: new Counter({
    name: 'berth_commands_total',
    help: 'Commands handled, by type and outcome (ok or the error code).',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  }),
  commandSeconds: new Histogram({
    name: 'berth_command_duration_seconds',
    help: 'Time from a command reaching its service to its reply, by type and outcome.',
    labelNames: ['type', 'outcome'] as const,
    buckets: SECONDS,
    registers: [registry],
  }),
  appendSeconds: new Histogram({
    name: 'berth_eventlog_append_duration_seconds',
    help: 'Time an append to the event log takes (successful or not).',
    buckets: SECONDS,
    registers: [registry],
  }),
  headPosition: new Gauge({
    name: 'berth_eventlog_head_position',
    help: 'The highest position this process has appended or seen in the event log.',
    registers: [registry],
  }),
  followerLag: new Gauge({
    name: 'berth_follower_lag_events',
    help: 'Events each follower of the log (projection, process manager, change feed) has yet to handle.',
    labelNames: ['follower'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        [...followers].map(async ([name, lag]) => {
          const events = await lag().catch(() => undefined);
          if (events !== undefined) this.set({ follower: name }, Math.max(0, events));
        }),
      );
    },
  }),
  engines: new Gauge({
    name: 'berth_engines',
    help: 'Engines by health status (from the read model at scrape time).',
    labelNames: ['health'] as const,
    registers: [registry],
  }),
  containers: new Gauge({
    name: 'berth_containers',
    help: 'Containers by state (from the read model at scrape time).',
    labelNames: ['state'] as const,
    registers: [registry],
  }),
  probeSeconds: new Histogram({
    name: 'berth_heartbeat_probe_duration_seconds',
    help: 'Time a heartbeat probe of an engine takes, by outcome (healthy or not).',
    labelNames: ['outcome'] as const,
    buckets: SECONDS,
    registers: [registry],
  }),
  sseClients: new Gauge({
    name: 'berth_sse_clients',
    help: 'Clients connected to the change stream of this process.',
    registers: [registry],
  }),
  routerRequests: new Gauge({
    name: 'berth_router_requests',
    help: 'Requests the proxy has sent to each service since it started (HAProxy stot), read at scrape time.',
    labelNames: ['service'] as const,
    registers: [registry],
    async collect() {
      const counts = await routerRequests?.().catch(() => undefined);
      if (counts === undefined) return;
      this.reset();
      for (const [service, count] of Object.entries(counts)) this.set({ service }, count);
    },
  }),
};

/** Counts a handled command and its latency. */
export const commandFinished = (type: string, outcome: string, seconds: number) => {
  berthMetrics.commands.inc({ type, outcome });
  berthMetrics.commandSeconds.observe({ type, outcome }, seconds);
};

/** Runs `work` and observes its duration on `histogram`, whether it succeeds or throws. */
export const observeSeconds = async <T>(
  histogram: { observe: (seconds: number) => void },
  work: () => Promise<T>,
): Promise<T> => {
  const started = performance.now();
  try {
    return await work();
  } finally {
    histogram.observe((performance.now() - started) / 1000);
  }
};

/** Reports a follower's lag at every scrape until the returned function is called. */
export const trackFollower = (name: string, probe: FollowerProbe) => {
  followers.set(name, probe);
  return () => {
    if (followers.get(name) === probe) followers.delete(name);
  };
};

/** Reads the router's request counts at every scrape until the returned function is called. */
export const trackRouterRequests = (source: () => Promise<Record<string, number>>) => {
  routerRequests = source;
  return () => {
    if (routerRequests === source) routerRequests = undefined;
  };
};

export const METRICS_CONTENT_TYPE = registry.contentType;
export const metricsText = () => registry.metrics();
