import type { Hono } from 'hono';
import {
  RegistryCredentialsBody,
  RegistryHost,
  type RegistryCredentials,
  type Session,
} from '@berth/contracts';
import type { Gateway } from '../gateway.js';
import { jsonBody, parseParam } from '../validate.js';

type Env = { Variables: { session: Session } };

/** Pull credentials per registry (admins only): set, list (never a password), remove. */
export const registryRoutes = (app: Hono<Env>, gateway: Gateway) => {
  const registryOf = (value: string) => parseParam(RegistryHost, value, 'registry');

  app.get('/api/registries', async (c) =>
    c.json(await gateway.query<RegistryCredentials[]>('ListRegistries', {})),
  );

  app.put('/api/registries/:registry', async (c) => {
    const registry = registryOf(c.req.param('registry'));
    const body = await jsonBody(c, RegistryCredentialsBody);
    await gateway.command(
      'SetRegistryCredentials',
      { registry, ...body },
      c.get('session').username,
    );
    const all = await gateway.query<RegistryCredentials[]>('ListRegistries', {});
    return c.json(all.find((r) => r.registry === registry));
  });

  app.delete('/api/registries/:registry', async (c) => {
    const registry = registryOf(c.req.param('registry'));
    await gateway.command('RemoveRegistryCredentials', { registry }, c.get('session').username);
    return c.body(null, 204);
  });
};
