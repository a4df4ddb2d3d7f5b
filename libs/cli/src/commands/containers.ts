import { CliError } from '../client.js';
import type { Command, Context, Options } from '../command.js';
import { UsageError } from '../command.js';
import { details, table, type Tint } from '../output.js';
import { waitForGroup, type Container, type Group, type PublishedPort } from '../progress.js';
import { parseCount, parseTimeout, runRequest } from '../spec.js';
import { openStream, textOf } from '../stream.js';
import { resolveRef, shortIds } from '../short-ids.js';

type RunAccepted = { group: string; containers: string[]; position: number };
type ScaleAccepted = {
  group: string;
  desired: number;
  added: string[];
  removed: string[];
  position: number;
};

const path = (id: string, action = '') =>
  `/api/containers/${encodeURIComponent(id)}${action === '' ? '' : `/${action}`}`;

const portText = (p: PublishedPort) => `${p.hostIp}:${p.host}->${p.container}/${p.protocol}`;

/** "12s ago", "3m ago", "5h ago", "2d ago": how `docker ps` says it. */
export const ago = (iso: string, now = Date.now()) => {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (Number.isNaN(seconds)) return iso;
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
};

type Column = Parameters<typeof table>[1][number];
const STATE_TINT: Record<string, Tint> = {
  running: 'green',
  completed: 'green',
  pending: 'yellow',
  backoff: 'yellow',
  failed: 'red',
};
const containerTable = (rows: Container[], colour: boolean) => {
  const ids = shortIds(rows.map((c) => c.id));
  const groupIds = shortIds(rows.map((c) => c.group));
  return table(
    rows,
    [
      ['ID', (c) => ids.get(c.id as string)],
      ['IMAGE', (c) => c.image],
      ['STATE', (c) => c.state, (c) => STATE_TINT[c.state as string]],
      ['ENGINE', (c) => c.engine],
      ['PORTS', (c) => (c as Container).ports.map(portText)],
      ['GROUP', (c) => groupIds.get(c.group as string)],
      ['CREATED', (c) => ago((c as Container).createdAt)],
      // Like REASON: only when some row has restarted or has a health check.
      ...(rows.some((c) => (c.restarts ?? 0) > 0)
        ? [['RESTARTS', (c: Record<string, unknown>) => c.restarts] satisfies Column]
        : []),
      ...(rows.some((c) => c.health != null)
        ? [['HEALTH', (c: Record<string, unknown>) => c.health ?? '-'] satisfies Column]
        : []),
      // Only failed, stopped and destroyed ones have a reason; no column when none has.
      ...(rows.some((c) => c.reason !== undefined)
        ? [['REASON', (c: Record<string, unknown>) => c.reason] satisfies Column]
        : []),
    ],
    colour,
  );
};

/** The one of `ids` that `ref` names (see `resolveRef`), if any; more than one is an error. */
const oneOf = (ref: string, ids: string[]): string | undefined => {
  const found = resolveRef(ref, ids);
  if ('ambiguous' in found)
    throw new CliError(`"${ref}" is ambiguous: ${found.ambiguous.join(', ')}`);
  return 'id' in found ? found.id : undefined;
};

/**
 * The container `ref` names: a whole id as it is, else the one whose id starts or ends with it
 * (the short form tables show); an unknown one goes to the API as given, which says so.
 */
const resolveContainer = async (context: Context, ref: string): Promise<string> => {
  if (ref.length === 26) return ref;
  const { body } = await context.client().request<Container[]>('GET', '/api/containers?all=true');
  return (
    oneOf(
      ref,
      body.map((c) => c.id),
    ) ?? ref
  );
};

/** The group `ref` names (an id, its short form or a service name), if one does. */
const resolveGroup = async (context: Context, ref: string): Promise<string | undefined> => {
  const { body } = await context.client().request<Group[]>('GET', '/api/groups');
  return (
    body.find((g) => g.name === ref)?.id ??
    oneOf(
      ref,
      body.map((g) => g.id),
    )
  );
};

const oneId = async (context: Context) => {
  const [id, extra] = context.args;
  if (id === undefined || id === '')
    throw new UsageError('say which container (its id or a unique prefix)');
  if (extra !== undefined) throw new UsageError(`one container at a time, not "${extra}" too`);
  return resolveContainer(context, id);
};

/**
 * Does `action` to every container named, as docker does: each one's outcome on its own line,
 * a failure on stderr, and exit 1 when any failed.
 */
const eachContainer = async (context: Context, action: (id: string) => Promise<void>) => {
  if (context.args.length === 0 || context.args.includes(''))
    throw new UsageError('say which containers (ids or unique prefixes)');
  let failed = 0;
  for (const ref of context.args) {
    try {
      await action(await resolveContainer(context, ref));
    } catch (error) {
      if (!(error instanceof CliError) || context.args.length === 1) throw error;
      context.warn(`berth: ${ref}: ${error.message}`);
      failed++;
    }
  }
  if (failed > 0) throw new CliError(`${failed} of ${context.args.length} failed`);
};

const waiting: Options = {
  detach: { type: 'boolean', short: 'd' },
  timeout: { type: 'string' },
};
const timeoutOf = (context: Context) => {
  const value = context.values.timeout;
  return typeof value === 'string' ? parseTimeout(value) : 60;
};

/** The outcome of a wait: the group as JSON, or a summary line and its replicas. */
const printGroup = (context: Context, group: Group, containers: Container[], summary: string) => {
  if (context.json) return context.print(JSON.stringify(group));
  const members = new Set(group.containers);
  const rows = containers.filter((c) => members.has(c.id));
  context.print(
    rows.length === 0 ? summary : `${summary}\n\n${containerTable(rows, context.colour)}`,
  );
};

export const containers: Command = {
  name: 'containers',
  summary: 'list containers: running and pending ones, or --all',
  usage: 'berth containers [--all] [--group G] [--quiet] [--json]',
  example: 'berth containers --all',
  options: {
    all: { type: 'boolean', short: 'a' },
    group: { type: 'string', short: 'g' },
    quiet: { type: 'boolean', short: 'q' },
  },
  async run(context) {
    const query = new URLSearchParams({ all: String(context.values.all === true) });
    if (typeof context.values.group === 'string') query.set('group', context.values.group);
    const { body } = await context
      .client()
      .request<Container[]>('GET', `/api/containers?${query.toString()}`);
    if (context.json) return context.print(JSON.stringify(body));
    if (context.values.quiet === true) return context.print(body.map((c) => c.id).join('\n'));
    context.print(containerTable(body, context.colour));
  },
};

export const groups: Command = {
  name: 'groups',
  summary: 'list groups (services): desired and running replicas, revision',
  usage: 'berth groups [--quiet] [--json]',
  example: 'berth groups',
  options: { quiet: { type: 'boolean', short: 'q' } },
  async run(context) {
    const { body } = await context.client().request<Group[]>('GET', '/api/groups');
    if (context.json) return context.print(JSON.stringify(body));
    if (context.values.quiet === true) return context.print(body.map((g) => g.id).join('\n'));
    const ids = shortIds(body.map((g) => g.id));
    context.print(
      table(
        body,
        [
          ['ID', (g) => ids.get(g.id as string)],
          ['NAME', (g) => g.name],
          ['IMAGE', (g) => g.image],
          ['REPLICAS', (g) => `${(g as Group).replicas.running}/${(g as Group).desired}`],
          ['REVISION', (g) => g.revision],
          ['CREATED', (g) => ago((g as Group).createdAt)],
        ],
        context.colour,
      ),
    );
  },
};

export const container: Command = {
  name: 'container',
  summary: 'show one container by id or unique id prefix',
  usage: 'berth container ID [--json]',
  example: 'berth container 01JD3XQ7',
  async run(context) {
    const id = await oneId(context);
    const { body } = await context.client().request<Container>('GET', path(id));
    if (context.json) return context.print(JSON.stringify(body));
    context.print(details({ ...body, ports: body.ports.map(portText) }));
  },
};

export const run: Command = {
  name: 'run',
  summary: 'run replicas of an image, waiting until they run (or --detach)',
  usage:
    'berth run [--count N] [--cpus C] [--memory MB] [--port [HOST:]PORT[/udp]]… [--env K=V]… ' +
    '[--secret-env K[=V]]… ' +
    '[--label L]… [--entrypoint E] [--hostname H] [--name SERVICE] [--pull] [--detach] [--timeout S] ' +
    'IMAGE [CMD…]',
  example: 'berth run --name web --count 3 --port 80 berth/busybox:test httpd -f -p 80 -h /www',
  passThrough: true,
  options: {
    count: { type: 'string', short: 'n' },
    cpus: { type: 'string' },
    memory: { type: 'string', short: 'm' },
    port: { type: 'string', short: 'p', multiple: true },
    env: { type: 'string', short: 'e', multiple: true },
    'secret-env': { type: 'string', multiple: true },
    label: { type: 'string', short: 'l', multiple: true },
    entrypoint: { type: 'string' },
    hostname: { type: 'string' },
    pull: { type: 'boolean' },
    name: { type: 'string' },
    ...waiting,
  },
  async run(context) {
    const { spec, count, pull, name } = runRequest(context.args, context.values, context.env);
    const timeoutSeconds = timeoutOf(context);
    const { body: accepted } = await context
      .client()
      .request<RunAccepted>('POST', `/api/containers?count=${count}&pull=${pull}`, {
        ...spec,
        ...(name === undefined ? {} : { name }),
      });
    if (context.values.detach === true) {
      return context.print(
        context.json
          ? JSON.stringify(accepted)
          : `Accepted group ${accepted.group}: ${accepted.containers.join(' ')}`,
      );
    }
    if (!context.json) context.warn(`group ${accepted.group}: ${count} × ${spec.image}`);
    const done = await waitForGroup(context, {
      group: accepted.group,
      expected: accepted.containers,
      desired: count,
      timeoutSeconds,
    });
    printGroup(
      context,
      done.group,
      done.containers,
      `Running ${count} of ${spec.image} as group ${accepted.group}`,
    );
  },
};

export const scale: Command = {
  name: 'scale',
  summary:
    'run or remove replicas until a group has COUNT; ID is a group, a service name or a replica',
  usage: 'berth scale GROUP|SERVICE|ID COUNT [--detach] [--timeout S] [--json]',
  example: 'berth scale 01JD3XQ7 5',
  options: waiting,
  async run(context) {
    const [id, countText, extra] = context.args;
    if (id === undefined || id === '' || countText === undefined)
      throw new UsageError('say which group or container, and how many replicas');
    if (extra !== undefined) throw new UsageError(`unexpected "${extra}"`);
    const count = parseCount(countText, 'COUNT', 0);
    const timeoutSeconds = timeoutOf(context);
    const client = context.client();
    // A group (id, short form, service name) first; anything else is a container.
    const group = await resolveGroup(context, id);
    const { body: accepted } = await client.request<ScaleAccepted>(
      'POST',
      group !== undefined
        ? `/api/groups/${encodeURIComponent(group)}/scale?count=${count}`
        : `${path(await resolveContainer(context, id), 'scale')}?count=${count}`,
    );
    if (context.values.detach === true) {
      return context.print(
        context.json
          ? JSON.stringify(accepted)
          : `Scaling group ${accepted.group} to ${accepted.desired}: ` +
              `${accepted.added.length} added, ${accepted.removed.length} removed`,
      );
    }
    if (!context.json) {
      context.warn(
        `group ${accepted.group}: ${accepted.added.length} added, ${accepted.removed.length} removed`,
      );
    }
    const done = await waitForGroup(context, {
      group: accepted.group,
      expected: accepted.added,
      desired: accepted.desired,
      removed: accepted.removed,
      timeoutSeconds,
    });
    printGroup(
      context,
      done.group,
      done.containers,
      `Group ${accepted.group} has ${accepted.desired} running`,
    );
  },
};

export const destroy: Command = {
  name: 'destroy',
  summary: "kill and remove containers; each one's group wants one less",
  usage: 'berth destroy ID…',
  example: 'berth destroy $(berth containers -q --group 01JD3XQ7)',
  async run(context) {
    await eachContainer(context, async (id) => {
      const { body } = await context
        .client()
        .request<{ container: string; position: number }>('DELETE', path(id));
      context.print(
        context.json
          ? JSON.stringify(body)
          : `Destroying ${body.container} (Docker removes it in a moment)`,
      );
    });
  },
};

const lifecycle = (action: 'start' | 'stop' | 'restart', summary: string, done: string) =>
  ({
    name: action,
    summary,
    usage: `berth ${action} ID… [--json]`,
    example: `berth ${action} 01JD3XQ7`,
    async run(context) {
      await eachContainer(context, async (id) => {
        const { body } = await context.client().request<Container>('POST', path(id, action));
        context.print(
          context.json ? JSON.stringify(body) : `${done} ${body.id} (now ${body.state})`,
        );
      });
    },
  }) satisfies Command;

export const start = lifecycle('start', 'start a stopped container', 'Started');
export const stop = lifecycle(
  'stop',
  'stop a container (it stays stopped: Berth does not replace it)',
  'Stopped',
);
export const restart = lifecycle('restart', 'restart a container', 'Restarted');

export const log: Command = {
  name: 'log',
  summary: "a container's output; --follow keeps printing it",
  usage:
    'berth log ID [--follow] [--tail N] [--since TIME] [--until TIME] [--stdout | --stderr] [--json]',
  example: 'berth log 01JD3XQ7 --tail 20 --since 2026-12-02T10:00:00Z --follow',
  options: {
    follow: { type: 'boolean', short: 'f' },
    tail: { type: 'string', short: 'n' },
    /** RFC 3339 or Unix seconds, checked by the server (its 400 names the parameter). */
    since: { type: 'string' },
    until: { type: 'string' },
    stdout: { type: 'boolean' },
    stderr: { type: 'boolean' },
  },
  async run(context) {
    const id = await oneId(context);
    const tail = context.values.tail;
    const only = { stdout: context.values.stdout === true, stderr: context.values.stderr === true };
    const both = only.stdout === only.stderr; // neither flag (or both): every stream
    const query = new URLSearchParams({
      stdout: String(both || only.stdout),
      stderr: String(both || only.stderr),
      tail: typeof tail === 'string' ? String(parseCount(tail, '--tail', 0, 100_000)) : 'all',
      follow: String(context.values.follow === true),
    });
    for (const bound of ['since', 'until'] as const) {
      const value = context.values[bound];
      if (typeof value === 'string') query.set(bound, value);
    }
    const client = context.client();
    // Not fetch: its 300 s body timeout would end `--follow` of a quiet container.
    const response = await openStream(
      new URL(`${path(id, 'logs')}?${query.toString()}`, client.url),
      client.headers(),
    ).catch((error: unknown) => {
      throw new CliError(`cannot reach Berth at ${client.url}: ${(error as Error).message}`);
    });
    if (response.statusCode !== 200)
      client.failWith(response.statusCode ?? 0, await textOf(response).catch(() => ''));
    const decoder = new TextDecoder();
    // --json: an array of lines, or one JSON string per line while following (as `events`).
    const lines: string[] = [];
    let partial = '';
    const emit = (text: string, end: boolean) => {
      if (!context.json) return context.write(text);
      const split = (partial + text).split('\n');
      partial = end ? '' : (split.pop() ?? '');
      const complete = end && split.at(-1) === '' ? split.slice(0, -1) : split;
      if (context.values.follow === true) complete.forEach((l) => context.print(JSON.stringify(l)));
      else lines.push(...complete);
    };
    try {
      for await (const chunk of response) {
        emit(decoder.decode(chunk as Buffer, { stream: true }), false);
      }
    } catch (error) {
      throw new CliError(`the log stream broke off: ${(error as Error).message}`);
    }
    emit(decoder.decode(), true);
    if (context.json && context.values.follow !== true) context.print(JSON.stringify(lines));
  },
};
