import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { inspect } from 'node:util';
import Docker from 'dockerode';
import { RejectedError } from '@berth/errors';

export type TlsMaterial = { cert: string; key: string; ca: string };
/** Where an engine's Docker API is: `tcp://host:port` or `unix:///path`, with optional TLS. */
export type EngineEndpoint = { addr: string; tls?: TlsMaterial | undefined };

/**
 * One keep-alive agent per engine. Node's shared agent looks through the idle sockets of every
 * host it knows each time one idles out: with a thousand engines that scan costs real CPU.
 */
const agents = new Map<string, HttpAgent>();
const agentFor = (addr: string, tls: TlsMaterial | undefined): HttpAgent => {
  const key = `${addr} ${tls === undefined ? '' : tls.cert}`;
  let agent = agents.get(key);
  if (agent === undefined) {
    const options = { keepAlive: true, timeout: 5000 };
    agent = tls === undefined ? new HttpAgent(options) : new HttpsAgent({ ...options, ...tls });
    // docker-modem formats each request's options with util.inspect (debug or not): an agent
    // with its sockets would cost milliseconds a call, and its TLS key has no place in text.
    const shown = `[Agent ${addr}]`;
    Object.defineProperty(agent, inspect.custom, { value: () => shown });
    agents.set(key, agent);
  }
  return agent;
};

/** A dockerode client for an engine address. */
export const dockerClient = (endpoint: EngineEndpoint, timeoutMs: number): Docker => {
  const { addr, tls } = endpoint;
  if (addr.startsWith('unix://'))
    return new Docker({ socketPath: addr.slice('unix://'.length), timeout: timeoutMs });
  const url = new URL(addr.replace(/^tcp:/, 'http:'));
  const options: Docker.DockerOptions & { agent: HttpAgent } = {
    host: url.hostname,
    port: Number(url.port),
    timeout: timeoutMs,
    agent: agentFor(addr, tls), // docker-modem takes it; dockerode's types do not say so
    ...(tls === undefined
      ? { protocol: 'http' }
      : { protocol: 'https', ca: tls.ca, cert: tls.cert, key: tls.key }),
  };
  return new Docker(options);
};

/** Rejects after `ms` whatever the request does, so a frozen daemon can never hang a caller. */
export const within = <T>(ms: number, work: Promise<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    work.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (
        clearTimeout(timer),
        reject(error instanceof Error ? error : new Error(String(error)))
      ),
    );
  });

const reasonOf = (error: unknown): string => {
  const e = error as { code?: string; statusCode?: number; message?: string };
  if (e.statusCode !== undefined)
    return `it answered HTTP ${e.statusCode}, so it is not a Docker API`;
  return e.code ?? e.message ?? String(error);
};

/**
 * GET /_ping: resolves with the response time in ms, or rejects with why it failed. Plain
 * node:http (keep-alive) rather than dockerode: the heartbeat sends this every second.
 */
export const ping = (endpoint: EngineEndpoint, timeoutMs: number): Promise<number> => {
  const started = performance.now();
  const { addr, tls } = endpoint;
  const url = addr.startsWith('unix://') ? undefined : new URL(addr.replace(/^tcp:/, 'http:'));
  const options = {
    path: '/_ping',
    timeout: timeoutMs,
    ...(url === undefined
      ? { socketPath: addr.slice('unix://'.length) }
      : { host: url.hostname, port: Number(url.port), agent: agentFor(addr, tls) }),
  };
  const answer = new Promise<string>((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body = (body + chunk).slice(0, 100)));
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(body)
          : reject(Object.assign(new Error('status'), { statusCode: res.statusCode })),
      );
      res.on('error', reject);
    };
    const req =
      tls === undefined
        ? httpRequest(options, onResponse)
        : httpsRequest({ ...options, ...tls }, onResponse);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
  return within(timeoutMs, answer).then((body) => {
    if (body !== 'OK')
      throw new Error(
        `it answered /_ping with ${JSON.stringify(body.slice(0, 40))}, so it is not a Docker API`,
      );
    return Math.round((performance.now() - started) * 10) / 10;
  });
};

export type EngineFacts = {
  dockerVersion: string;
  cpus: number;
  memoryMb: number;
  images: string[];
};

/**
 * Checks that an address is really a Docker API (/_ping, /version, /info) and returns what it
 * reports. Anything else is a RejectedError (422) saying what answered, or that nothing did.
 */
export const inspectEngine = async (
  endpoint: EngineEndpoint,
  timeoutMs = 3000,
): Promise<EngineFacts> => {
  const docker = dockerClient(endpoint, timeoutMs);
  try {
    await ping(endpoint, timeoutMs);
    const version = (await within(timeoutMs, docker.version())) as {
      Version?: unknown;
      ApiVersion?: unknown;
    };
    const info = (await within(timeoutMs, docker.info())) as { NCPU?: unknown; MemTotal?: unknown };
    if (
      typeof version.Version !== 'string' ||
      typeof info.NCPU !== 'number' ||
      typeof info.MemTotal !== 'number'
    ) {
      throw new Error('its /version or /info is not what a Docker Engine answers');
    }
    const images = (await within(timeoutMs, docker.listImages())).flatMap((i) => i.RepoTags ?? []);
    return {
      dockerVersion: version.Version,
      cpus: info.NCPU,
      memoryMb: Math.floor(info.MemTotal / 1024 / 1024),
      images,
    };
  } catch (error) {
    throw new RejectedError(`${endpoint.addr} is not a usable Docker engine: ${reasonOf(error)}`, {
      field: 'addr',
      cause: error,
    });
  }
};
