import type { Hono } from 'hono';
import { AddEngineBody, type Engine, type Session } from '@berth/contracts';
import type { Gateway } from '../gateway.js';
import { jsonBody } from '../validate.js';

type Env = { Variables: { session: Session } };

/** Engines: list, inspect, add by hand (checked against the engine itself), delete. */
export const engineRoutes = (app: Hono<Env>, gateway: Gateway) => {
  app.get('/api/engines', async (c) => c.json(await gateway.query<Engine[]>('ListEngines', {})));

  app.get('/api/engines/:id', async (c) =>
    c.json(await gateway.query<Engine>('GetEngine', { id: c.req.param('id').slice(0, 64) })),
  );

  app.post('/api/engines', async (c) => {
    const body = await jsonBody(c, AddEngineBody);
    const { position } = await gateway.command('AddEngine', body, c.get('session').username);
    return c.json(
      await gateway.query<Engine>('GetEngine', { id: body.id, atLeast: position }),
      201,
    );
  });

  app.delete('/api/engines/:id', async (c) => {
    const id = c.req.param('id').slice(0, 64);
    const { position } = await gateway.command('RemoveEngine', { id }, c.get('session').username);
    await gateway.query('ListEngines', { atLeast: position });
    return c.body(null, 204);
  });
};
