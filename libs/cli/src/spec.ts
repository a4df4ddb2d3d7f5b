// `berth run`'s flags as the API's image spec; every mistake is a UsageError naming the flag.
import { UsageError } from './command.js';

export type PortSpec = { container: number; host?: number; protocol?: 'tcp' | 'udp' };

/** What `POST /api/containers` takes as its body (the fields the CLI sets). */
export type ImageSpec = {
  image: string;
  cmd?: string[];
  entrypoint?: string[];
  env?: Record<string, string>;
  secretEnv?: Record<string, string>;
  cpus?: number;
  memory?: number;
  hostname?: string;
  labels?: string[];
  ports?: PortSpec[];
};

const MAX_REPLICAS = 1000;

const portNumber = (text: string, flag: string): number => {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new UsageError(`${flag}: ${text} is not a port (1 to 65535)`);
  return port;
};

/** `80`, `8080:80`, `53/udp` or `5353:53/udp`: the host port is Docker's pick when left out. */
export const parsePort = (text: string): PortSpec => {
  const match = /^(?:(\d+):)?(\d+)(?:\/([A-Za-z]+))?$/.exec(text);
  if (match === null)
    throw new UsageError(`--port ${text}: must be [HOST:]CONTAINER[/tcp|udp], like 8080:80`);
  const [, host, container = '', protocol] = match;
  const flag = `--port ${text}`;
  const lower = protocol?.toLowerCase();
  if (lower !== undefined && lower !== 'tcp' && lower !== 'udp')
    throw new UsageError(`${flag}: the protocol must be tcp or udp`);
  return {
    container: portNumber(container, flag),
    ...(host === undefined ? {} : { host: portNumber(host, flag) }),
    ...(lower === undefined ? {} : { protocol: lower }),
  };
};

/**
 * `K=V` (V may hold `=` or be empty), or `K` alone for K's value in this shell, as docker does.
 * A mistake names `flag` and the variable, never its value (it may be a `--secret-env`).
 */
export const parseEnv = (
  texts: readonly string[],
  local: Record<string, string | undefined>,
  flag = '--env',
): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const text of texts) {
    const at = text.indexOf('=');
    const name = at < 0 ? text : text.slice(0, at);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new UsageError(
        `${flag} ${at < 0 ? name : `${name}=…`}: must be NAME=VALUE with a variable name`,
      );
    const value = at < 0 ? local[name] : text.slice(at + 1);
    if (value === undefined)
      throw new UsageError(`${flag} ${name}: ${name} is not set here; give NAME=VALUE`);
    env[name] = value;
  }
  return env;
};

/** Engine labels the replicas need: one word each. */
export const parseLabel = (text: string): string => {
  if (!/^\S+$/.test(text)) throw new UsageError(`--label "${text}": must be one word, like ssd`);
  return text;
};

/** CPUs to reserve and enforce: positive, at most three decimals (`0.5`, `2`). */
export const parseCpus = (text: string): number => {
  if (!/^(\d+(\.\d{1,3})?|\.\d{1,3})$/.test(text) || Number(text) === 0)
    throw new UsageError(`--cpus ${text}: must be a positive number with at most 3 decimals`);
  return Number(text);
};

/** Memory in MB: `256`, `256m`, `256MB` or `1g` (1024 MB). */
export const parseMemory = (text: string): number => {
  const match = /^(\d+(?:\.\d+)?)\s*(m|mb|mib|g|gb|gib)?$/i.exec(text);
  const value = Number(match?.[1]);
  const mb = /^g/i.test(match?.[2] ?? '') ? value * 1024 : value;
  if (match === null || !Number.isInteger(mb) || mb < 1)
    throw new UsageError(`--memory ${text}: must be whole megabytes, like 256 or 256m or 1g`);
  return mb;
};

/** A whole number in [min, max], or a usage error naming what it is. */
export const parseCount = (text: string, what: string, min: number, max = MAX_REPLICAS) => {
  const count = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(count) || count < min || count > max)
    throw new UsageError(`${what} must be a whole number from ${min} to ${max}, not ${text}`);
  return count;
};

/** Seconds to wait, a positive number. */
export const parseTimeout = (text: string): number => {
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(seconds > 0))
    throw new UsageError(`--timeout ${text}: must be a positive number of seconds`);
  return seconds;
};

type Values = Record<string, string | boolean | string[] | undefined>;
const list = (value: Values[string]): string[] =>
  Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
const text = (value: Values[string]): string | undefined =>
  typeof value === 'string' ? value : undefined;

/**
 * `run`'s positionals and flags as the request: the spec, the replica count, the pull flag and
 * the service name (the API checks it is a DNS label).
 */
export const runRequest = (
  args: readonly string[],
  values: Values,
  local: Record<string, string | undefined>,
): { spec: ImageSpec; count: number; pull: boolean; name?: string } => {
  const name = text(values.name);
  const [image, ...cmd] = args;
  if (image === undefined || image === '') throw new UsageError('say which image to run');
  const count = text(values.count);
  const cpus = text(values.cpus);
  const memory = text(values.memory);
  const entrypoint = text(values.entrypoint);
  const hostname = text(values.hostname);
  const env = list(values.env);
  const secretEnv = list(values['secret-env']);
  const labels = list(values.label).map(parseLabel);
  const ports = list(values.port).map(parsePort);
  const spec: ImageSpec = {
    image,
    ...(cmd.length === 0 ? {} : { cmd }),
    ...(entrypoint === undefined ? {} : { entrypoint: [entrypoint] }),
    ...(env.length === 0 ? {} : { env: parseEnv(env, local) }),
    ...(secretEnv.length === 0 ? {} : { secretEnv: parseEnv(secretEnv, local, '--secret-env') }),
    ...(cpus === undefined ? {} : { cpus: parseCpus(cpus) }),
    ...(memory === undefined ? {} : { memory: parseMemory(memory) }),
    ...(hostname === undefined ? {} : { hostname }),
    ...(labels.length === 0 ? {} : { labels }),
    ...(ports.length === 0 ? {} : { ports }),
  };
  return {
    spec,
    count: count === undefined ? 1 : parseCount(count, '--count', 1),
    pull: values.pull === true,
    ...(name === undefined ? {} : { name }),
  };
};
