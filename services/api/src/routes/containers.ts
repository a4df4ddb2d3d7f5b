import type { Context, Hono } from 'hono';
import { stream } from 'hono/streaming';
import {
  ListContainersParams,
  ListGroupsParams,
  LogsParams,
  RunBody,
  RunParams,
  ScaleParams,
  UpdateBody,
  type Container,
  type Group,
  type RunAccepted,
  type ScaleAccepted,
  type Session,
} from '@berth/contracts';
import type { CommandResult } from '@berth/bus';
import type { Gateway } from '../gateway.js';
import { jsonBody, queryParams } from '../validate.js';

type Env = { Variables: { session: Session } };

const idsOf = (result: CommandResult, type: string) =>
  result.events.flatMap((e) =>
    e.type === type ? [(e.data as { container: string }).container] : [],
  );

/** The last line of an answer cut short by BERTH_LOGS_MAX_BYTES: what happened, what to do. */
export const cutMarker = (bytes: number) =>
  `[berth] output cut after ${bytes} bytes (BERTH_LOGS_MAX_BYTES); ` +
  'ask for less with ?tail=N (the last N lines) or ?since=/?until= (RFC 3339 or Unix seconds)';

/** Containers and groups: run, list, inspect, start/stop/restart, scale, logs, destroy. */
export const containerRoutes = (app: Hono<Env>, gateway: Gateway, logsMaxBytes: number) => {
  const actor = (c: Context<Env>) => c.get('session').username;
  /**
   * Whose containers and groups the caller may reach: a user only its own (another's is a 404,
   * as if absent), an admin everyone's, or one account's when it asks with `?owner=`.
   */
  const ownedBy = (c: Context<Env>, asked?: string) => {
    const { role, username } = c.get('session');
    const owner = role === 'admin' ? asked : username;
    return owner === undefined ? {} : { owner };
  };
  /** The container named by id or unique prefix (404 / 409 otherwise). */
  const lookup = (c: Context<Env>) =>
    gateway.query<Container>('GetContainer', {
      idOrPrefix: c.req.param('id')?.slice(0, 64) ?? '',
      ...ownedBy(c),
    });
  const groupOf = (c: Context<Env>) =>
    gateway.query<Group>('GetGroup', {
      id: c.req.param('group')?.slice(0, 64) ?? '',
      ...ownedBy(c),
    });

  app.get('/api/containers', async (c) => {
    const { all, group, owner } = queryParams(c, ListContainersParams);
    return c.json(
      await gateway.query<Container[]>('ListContainers', {
        all,
        ...(group === undefined ? {} : { group }),
        ...ownedBy(c, owner),
      }),
    );
  });

  app.post('/api/containers', async (c) => {
    const { count, pull } = queryParams(c, RunParams);
    const { name, ...spec } = await jsonBody(c, RunBody);
    // The scheduler refuses a user's host-reaching spec (403 naming the field), so the rule
    // holds for every client of the bus, not only this one.
    const result = await gateway.command(
      'RunContainer',
      { spec, count, pull, ...(name === undefined ? {} : { name }) },
      actor(c),
      c.get('session').role,
    );
    const created = result.events.find((e) => e.type === 'GroupCreated');
    const accepted: RunAccepted = {
      group: (created?.data as { group: string } | undefined)?.group ?? '',
      containers: idsOf(result, 'ContainerPlaced'),
      position: result.position,
    };
    return c.json(accepted, 202);
  });

  app.get('/api/containers/:id', async (c) => c.json(await lookup(c)));

  app.delete('/api/containers/:id', async (c) => {
    const { id } = await lookup(c);
    const { position } = await gateway.command('DestroyContainer', { id }, actor(c));
    return c.json({ container: id, position }, 202);
  });

  for (const action of ['start', 'stop', 'restart'] as const) {
    const type = `${action[0]?.toUpperCase()}${action.slice(1)}Container`;
    app.post(`/api/containers/:id/${action}`, async (c) => {
      const { id } = await lookup(c);
      const { position } = await gateway.command(type, { id }, actor(c));
      return c.json(
        await gateway.query<Container>('GetContainer', {
          idOrPrefix: id,
          atLeast: position,
          ...ownedBy(c),
        }),
      );
    });
  }

  const scaleAccepted = (result: CommandResult, group: string, desired: number): ScaleAccepted => ({
    group,
    desired,
    added: idsOf(result, 'ContainerPlaced'),
    removed: idsOf(result, 'ContainerReleased'),
    position: result.position,
  });

  app.post('/api/containers/:id/scale', async (c) => {
    const { count } = queryParams(c, ScaleParams);
    const { id, group } = await lookup(c);
    const result = await gateway.command('ScaleContainer', { container: id, count }, actor(c));
    return c.json(scaleAccepted(result, group, count), 202);
  });

  app.post('/api/groups/:group/scale', async (c) => {
    const { count } = queryParams(c, ScaleParams);
    const group = (await groupOf(c)).id;
    const result = await gateway.command('ScaleContainer', { group, count }, actor(c));
    return c.json(scaleAccepted(result, group, count), 202);
  });

  // A rolling update is desired state: the 202 says it started; the group shows how it goes.
  const updateAccepted = (group: string, result: CommandResult) => {
    const started = result.events.find((e) => e.type === 'GroupUpdateStarted');
    const revision = (started?.data as { revision: number } | undefined)?.revision;
    return { group, revision: revision ?? null, position: result.position };
  };

  app.post('/api/groups/:group/update', async (c) => {
    const { spec, strategy } = await jsonBody(c, UpdateBody);
    const group = (await groupOf(c)).id;
    const result = await gateway.command(
      'UpdateGroup',
      { group, spec, strategy },
      actor(c),
      c.get('session').role,
    );
    return c.json(updateAccepted(group, result), 202);
  });

  app.post('/api/groups/:group/rollback', async (c) => {
    const group = (await groupOf(c)).id;
    const result = await gateway.command('RollbackGroup', { group }, actor(c));
    return c.json(updateAccepted(group, result), 202);
  });

  app.get('/api/groups', async (c) => {
    const { owner } = queryParams(c, ListGroupsParams);
    return c.json(await gateway.query<Group[]>('ListGroups', ownedBy(c, owner)));
  });

  app.get('/api/groups/:group', async (c) => c.json(await groupOf(c)));

  app.get('/api/containers/:id/logs', async (c) => {
    const params = queryParams(c, LogsParams);
    const { id } = await lookup(c);
    // A follow is bounded by the reader's patience; anything else by BERTH_LOGS_MAX_BYTES.
    const logs = await gateway.logs({
      id,
      ...params,
      ...(params.follow ? {} : { maxBytes: logsMaxBytes }),
    });
    c.header('Content-Type', 'text/plain; charset=utf-8');
    return stream(c, async (out) => {
      out.onAbort(logs.cancel);
      let endsLine = true;
      for await (const chunk of logs.chunks) {
        if ('end' in chunk) {
          if (chunk.cutAtBytes !== undefined)
            await out.write(`${endsLine ? '' : '\n'}${cutMarker(chunk.cutAtBytes)}\n`);
          break;
        }
        await out.write(chunk.data);
        endsLine = chunk.data.endsWith('\n');
      }
      logs.cancel();
    });
  });
};
