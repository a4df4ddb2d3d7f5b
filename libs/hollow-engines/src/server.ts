import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DockerApiError, HollowEngine, type DockerEvent, type HollowContainer } from './engine.js';

export type HollowOptions = {
  /** Milliseconds every call waits before it is answered (a daemon's own work). */
  latencyMs: number;
  cpus: number;
  memoryMb: number;
  images: string[];
};

const API_VERSION = '1.47';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const readBody = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
  let text = '';
  for await (const chunk of req) text += (chunk as Buffer).toString();
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
};

/** Docker's `filters` query: `{"label": ["k", "k=v"], "type": ["container"]}`. */
const filtersOf = (url: URL): Record<string, string[]> => {
  const raw = url.searchParams.get('filters');
  if (raw === null || raw === '') return {};
  const parsed = JSON.parse(raw) as Record<string, string[] | Record<string, boolean>>;
  return Object.fromEntries(
    Object.entries(parsed).map(([k, v]) => [k, Array.isArray(v) ? v : Object.keys(v)]),
  );
};

const hasLabels = (labels: Record<string, string>, wanted: string[] = []) =>
  wanted.every((w) => {
    const [key = '', value] = w.split('=', 2);
    return value === undefined ? key in labels : labels[key] === value;
  });

const inspectShape = (c: HollowContainer) => ({
  Id: c.id,
  Name: `/${c.name}`,
  Created: c.created,
  Image: c.image,
  State: {
    Status: c.running ? 'running' : c.startedAt.startsWith('0001') ? 'created' : 'exited',
    Running: c.running,
    ExitCode: c.exitCode,
    StartedAt: c.startedAt,
    FinishedAt: c.finishedAt,
  },
  Config: { Image: c.image, Labels: c.labels },
  NetworkSettings: { Ports: {} },
});

const listShape = (c: HollowContainer) => ({
  Id: c.id,
  Names: [`/${c.name}`],
  Image: c.image,
  Labels: c.labels,
  State: inspectShape(c).State.Status,
  Status: c.running ? 'Up' : 'Exited',
});

const MB = 1024 * 1024;
/** What a hollow container uses: 1 % of one CPU, and 8 MB of which 2 MB drops from cache. */
const HOLLOW_CPU_SHARE = 0.01;
const HOLLOW_MEMORY = 8 * MB;

/**
 * A one-shot `GET /containers/{id}/stats` in Docker's shape. The CPU counters grow with time
 * (the host's over all its CPUs, the container's while it runs), so two readings give a rate.
 */
const statsShape = (engine: HollowEngine, c: HollowContainer, now = Date.now()) => {
  const hostNs = now * 1e6 * engine.cpus;
  const ranNs = c.running ? Math.max(0, now - Date.parse(c.startedAt)) * 1e6 : 0;
  return {
    read: new Date(now).toISOString(),
    id: c.id,
    name: `/${c.name}`,
    cpu_stats: {
      cpu_usage: { total_usage: Math.round(ranNs * HOLLOW_CPU_SHARE) },
      system_cpu_usage: hostNs,
      online_cpus: engine.cpus,
    },
    memory_stats: c.running
      ? { usage: HOLLOW_MEMORY, limit: engine.memoryMb * MB, stats: { inactive_file: 2 * MB } }
      : {},
  };
};

/** One frame of Docker's multiplexed log stream (stdout). */
const logFrame = (text: string) => {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = 1;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json', 'api-version': API_VERSION });
  res.end(JSON.stringify(body));
};
const empty = (res: ServerResponse, status: number) => {
  res.writeHead(status);
  res.end();
};

const followEvents = (engine: HollowEngine, url: URL, res: ServerResponse) => {
  const filters = filtersOf(url);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.flushHeaders();
  const wanted = (event: DockerEvent) =>
    (filters.type === undefined || filters.type.includes(event.Type)) &&
    hasLabels(event.Actor.Attributes, filters.label);
  const off = engine.onEvent((event) => {
    if (wanted(event)) res.write(`${JSON.stringify(event)}\n`);
  });
  res.on('close', off);
};

const routeCall = async (
  engine: HollowEngine,
  req: IncomingMessage,
  res: ServerResponse,
  options: HollowOptions,
): Promise<void> => {
  const url = new URL(req.url ?? '/', 'http://hollow');
  const path = url.pathname.replace(/^\/v\d+\.\d+/, '');
  const method = req.method ?? 'GET';
  if (path === '/events') return followEvents(engine, url, res);
  await sleep(options.latencyMs);
  if (path === '/_ping') {
    res.writeHead(200, { 'content-type': 'text/plain', 'api-version': API_VERSION });
    return void res.end('OK');
  }
  if (path === '/version')
    return json(res, 200, { Version: '27.0.0-hollow', ApiVersion: API_VERSION, Os: 'linux' });
  if (path === '/info')
    return json(res, 200, {
      NCPU: engine.cpus,
      MemTotal: engine.memoryMb * 1024 * 1024,
      Containers: engine.containers.size,
      Images: engine.images.size,
      Name: 'hollow',
    });
  if (path === '/images/json')
    return json(
      res,
      200,
      [...engine.images].map((tag) => ({ Id: `sha256:${tag}`, RepoTags: [tag] })),
    );
  if (path === '/images/create' && method === 'POST') {
    const image = `${url.searchParams.get('fromImage')}:${url.searchParams.get('tag') ?? 'latest'}`;
    if (!engine.images.has(image))
      return json(res, 404, { message: `pull access denied for ${image}` });
    res.writeHead(200, { 'content-type': 'application/json' });
    return void res.end(`${JSON.stringify({ status: `Image is up to date for ${image}` })}\n`);
  }
  if (path === '/containers/json') {
    const all = url.searchParams.get('all') === 'true' || url.searchParams.get('all') === '1';
    const labels = filtersOf(url).label;
    const listed = [...engine.containers.values()].filter(
      (c) => (all || c.running) && hasLabels(c.labels, labels),
    );
    return json(res, 200, listed.map(listShape));
  }
  if (path === '/containers/create' && method === 'POST') {
    const body = await readBody(req);
    const created = engine.create(
      url.searchParams.get('name') ?? '',
      typeof body.Image === 'string' ? body.Image : '',
      (body.Labels ?? {}) as Record<string, string>,
    );
    return json(res, 201, { Id: created.id, Warnings: [] });
  }
  const match = /^\/containers\/([^/]+)(?:\/(\w+))?$/.exec(path);
  if (match === null) return json(res, 404, { message: `page not found: ${method} ${path}` });
  const [, ref = '', action = ''] = match;
  if (method === 'DELETE' && action === '') {
    const force = url.searchParams.get('force') === 'true' || url.searchParams.get('force') === '1';
    engine.remove(ref, force);
    return empty(res, 204);
  }
  if (action === 'json') return json(res, 200, inspectShape(engine.find(ref)));
  if (action === 'start') return empty(res, engine.start(ref) ? 204 : 304);
  if (action === 'stop') return empty(res, engine.stop(ref) ? 204 : 304);
  if (action === 'kill') {
    if (!engine.stop(ref, 137, 'kill')) return json(res, 409, { message: 'is not running' });
    return empty(res, 204);
  }
  if (action === 'stats' && method === 'GET')
    return json(res, 200, statsShape(engine, engine.find(ref)));
  if (action === 'logs') {
    const container = engine.find(ref);
    res.writeHead(200, { 'content-type': 'application/vnd.docker.multiplexed-stream' });
    return void res.end(logFrame(`hollow container ${container.name}\n`));
  }
  return json(res, 404, { message: `page not found: ${method} ${path}` });
};

export type HollowEngines = {
  /** `tcp://127.0.0.1:<port>` of every engine, in order. */
  addrs: string[];
  engines: HollowEngine[];
  stop(): Promise<void>;
};

/** Starts `count` hollow engines, each its own HTTP server on a free loopback port. */
export const startHollowEngines = async (
  count: number,
  options: Partial<HollowOptions> = {},
): Promise<HollowEngines> => {
  const settings: HollowOptions = {
    latencyMs: 3,
    cpus: 16,
    memoryMb: 65_536,
    images: ['berth/busybox:test'],
    ...options,
  };
  const servers: Server[] = [];
  const engines: HollowEngine[] = [];
  const addrs: string[] = [];
  for (let i = 0; i < count; i++) {
    const engine = new HollowEngine(settings.cpus, settings.memoryMb, new Set(settings.images));
    const server = createServer((req, res) => {
      routeCall(engine, req, res, settings).catch((error: unknown) => {
        if (res.headersSent) return void res.destroy();
        const status = error instanceof DockerApiError ? error.status : 500;
        json(res, status, { message: (error as Error).message });
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    engines.push(engine);
    addrs.push(`tcp://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  return {
    addrs,
    engines,
    stop: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
};
