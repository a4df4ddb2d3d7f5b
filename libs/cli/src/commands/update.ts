import { CliError } from '../client.js';
import type { Command, Context } from '../command.js';
import { UsageError } from '../command.js';
import { parseCount, parseEnv, parseTimeout } from '../spec.js';

type RollingGroup = {
  id: string;
  image: string;
  desired: number;
  revision: number;
  containers: string[];
  update?: {
    revision: number;
    state: 'rolling' | 'paused' | 'completed';
    rollback: boolean;
    reason: string;
  };
  spec: { env: Record<string, string> };
};
type Replica = { id: string; state: string; revision: number };
type UpdateAccepted = { group: string; revision: number | null };

const groupPath = (id: string) => `/api/groups/${encodeURIComponent(id)}`;

const list = (value: unknown): string[] =>
  Array.isArray(value) ? (value as string[]) : typeof value === 'string' ? [value] : [];

/**
 * Follows a rolling update until its revision (or a rollback that replaced it) is done or
 * paused, printing a line whenever the count of replicas on the new revision changes.
 */
const follow = async (
  context: Context,
  group: string,
  revision: number,
  timeoutSeconds: number,
) => {
  const client = context.client();
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = '';
  for (;;) {
    const { body: g } = await client.request<RollingGroup>('GET', groupPath(group));
    const { body: replicas } = await client.request<Replica[]>(
      'GET',
      `/api/containers?group=${encodeURIComponent(group)}`,
    );
    const current = g.update?.revision ?? g.revision;
    const updated = replicas.filter((r) => r.revision === current && r.state === 'running').length;
    const word = g.update?.rollback === true ? 'rolling back' : 'updating';
    const line = `revision ${current} (${g.image}): ${updated}/${g.desired} replicas ${word}`;
    if (line !== last && !context.json) context.warn(line);
    last = line;
    if (g.update?.state === 'completed' || g.update?.state === 'paused') {
      if (context.json) return context.print(JSON.stringify(g));
      if (g.update.state === 'paused') throw new CliError(`update paused: ${g.update.reason}`);
      if (current !== revision)
        throw new CliError(`rolled back to revision ${current}: ${g.update.reason}`);
      return context.print(`Group ${g.id} runs revision ${current} (${g.image}) on every replica`);
    }
    if (Date.now() > deadline)
      throw new CliError(
        `still ${word} after ${timeoutSeconds} s; see berth containers --group ${group}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
};

const waitOrDetach = async (context: Context, accepted: UpdateAccepted, what: string) => {
  if (accepted.revision === null)
    return context.print(context.json ? JSON.stringify(accepted) : 'Nothing to change');
  if (context.values.detach === true)
    return context.print(
      context.json
        ? JSON.stringify(accepted)
        : `${what} group ${accepted.group} to revision ${accepted.revision}`,
    );
  const value = context.values.timeout;
  await follow(
    context,
    accepted.group,
    accepted.revision,
    typeof value === 'string' ? parseTimeout(value) : 600,
  );
};

export const update: Command = {
  name: 'update',
  summary: 'roll a group to a new image or env, replica by replica, without downtime',
  usage:
    'berth update GROUP|SERVICE [--image IMAGE] [--env K=V]… [--parallelism N] [--order start-first|stop-first] [--monitor S] [--on-failure rollback|pause] [--detach] [--timeout S] [--json]',
  example: 'berth update web --image registry.example/web:2 --parallelism 2',
  options: {
    image: { type: 'string' },
    env: { type: 'string', multiple: true },
    parallelism: { type: 'string' },
    order: { type: 'string' },
    monitor: { type: 'string' },
    'on-failure': { type: 'string' },
    detach: { type: 'boolean', short: 'd' },
    timeout: { type: 'string' },
  },
  async run(context) {
    const [id, extra] = context.args;
    if (id === undefined || id === '') throw new UsageError('say which group or service');
    if (extra !== undefined) throw new UsageError(`unexpected "${extra}"`);
    const { values } = context;
    const client = context.client();
    const { body: current } = await client.request<RollingGroup>('GET', groupPath(id));
    const env = list(values.env);
    const spec = {
      ...(typeof values.image === 'string' ? { image: values.image } : {}),
      // --env adds to (or changes) the group's variables; the others stay.
      ...(env.length === 0 ? {} : { env: { ...current.spec.env, ...parseEnv(env, context.env) } }),
    };
    // Nothing given: a pulling group still rolls if its image's digest moved in the registry.
    const order = values.order;
    if (order !== undefined && order !== 'start-first' && order !== 'stop-first')
      throw new UsageError('--order must be start-first or stop-first');
    const onFailure = values['on-failure'];
    if (onFailure !== undefined && onFailure !== 'rollback' && onFailure !== 'pause')
      throw new UsageError('--on-failure must be rollback or pause');
    const strategy = {
      ...(typeof values.parallelism === 'string'
        ? { parallelism: parseCount(values.parallelism, '--parallelism', 1, 100) }
        : {}),
      ...(order === undefined ? {} : { order }),
      ...(typeof values.monitor === 'string'
        ? { monitorSeconds: parseCount(values.monitor, '--monitor', 0, 3600) }
        : {}),
      ...(onFailure === undefined ? {} : { failureAction: onFailure }),
    };
    const { body: accepted } = await client.request<UpdateAccepted>(
      'POST',
      `${groupPath(current.id)}/update`,
      { spec, strategy },
    );
    await waitOrDetach(context, accepted, 'Updating');
  },
};

export const rollback: Command = {
  name: 'rollback',
  summary: 'roll a group back to the spec it had before its last update',
  usage: 'berth rollback GROUP|SERVICE [--detach] [--timeout S] [--json]',
  example: 'berth rollback web',
  options: { detach: { type: 'boolean', short: 'd' }, timeout: { type: 'string' } },
  async run(context) {
    const [id, extra] = context.args;
    if (id === undefined || id === '') throw new UsageError('say which group or service');
    if (extra !== undefined) throw new UsageError(`unexpected "${extra}"`);
    const { body: accepted } = await context
      .client()
      .request<UpdateAccepted>('POST', `${groupPath(id)}/rollback`);
    await waitOrDetach(context, accepted, 'Rolling back');
  },
};
