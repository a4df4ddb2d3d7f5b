import type { Hono } from 'hono';
import {
  AccountEvents,
  AddAccountBody,
  SetQuotaBody,
  Username,
  type Account,
  type AccountWithQuota,
  type Session,
} from '@berth/contracts';
import { ValidationError } from '@berth/errors';
import { newId } from '@berth/ids';
import type { Gateway } from '../gateway.js';
import { jsonBody, parseParam } from '../validate.js';

type Env = { Variables: { session: Session } };

/**
 * Account management (admin only, by the ACL): list, inspect, add, delete, set quotas; and
 * `/api/me`, where every account reads itself with its quota and usage.
 */
export const accountRoutes = (app: Hono<Env>, gateway: Gateway) => {
  app.get('/api/account', async (c) => c.json(await gateway.query<Account[]>('ListAccounts', {})));

  app.get('/api/account/:id', async (c) =>
    c.json(
      await gateway.query<Account>('GetAccount', { idOrUsername: c.req.param('id').slice(0, 64) }),
    ),
  );

  app.post('/api/account', async (c) => {
    const { username, password, role } = await jsonBody(c, AddAccountBody);
    const actor = c.get('session').username;
    const { position, events } = await gateway.command(
      'AddAccount',
      { accountId: newId(), username, password, role },
      actor,
    );
    const added = AccountEvents.AccountAdded.parse(
      events.find((e) => e.type === 'AccountAdded')?.data,
    );
    await gateway.query('ListAccounts', { atLeast: position });
    return c.json(
      { id: added.accountId, username: added.username, role: added.role } satisfies Account,
      201,
    );
  });

  const remove = async (idOrUsername: string | undefined, actor: string) => {
    if (idOrUsername === undefined || idOrUsername === '') {
      throw new ValidationError('say which account: ?id= or ?username=', { field: 'id' });
    }
    const account = await gateway.query<Account>('GetAccount', {
      idOrUsername: idOrUsername.slice(0, 64),
    });
    const { position } = await gateway.command(
      'DeleteAccount',
      { username: account.username },
      actor,
    );
    await gateway.query('ListAccounts', { atLeast: position });
  };

  app.delete('/api/account', async (c) => {
    await remove(c.req.query('id') ?? c.req.query('username'), c.get('session').username);
    return c.body(null, 204);
  });
  app.delete('/api/account/:id', async (c) => {
    await remove(c.req.param('id'), c.get('session').username);
    return c.body(null, 204);
  });

  const accountNamed = (username: string) =>
    gateway.query<AccountWithQuota>('GetAccount', {
      idOrUsername: parseParam(Username, username, 'username'),
    });

  app.get('/api/accounts/:username', async (c) =>
    c.json(await accountNamed(c.req.param('username'))),
  );

  // The whole quota at once: a field left out (or null) goes back to its default.
  app.put('/api/accounts/:username/quota', async (c) => {
    const { replicas = null, cpus = null, memory = null } = await jsonBody(c, SetQuotaBody);
    const account = await accountNamed(c.req.param('username'));
    const { position } = await gateway.command(
      'SetAccountQuota',
      { username: account.username, limits: { replicas, cpus, memory } },
      c.get('session').username,
    );
    return c.json(
      await gateway.query<AccountWithQuota>('GetAccount', {
        idOrUsername: account.id,
        atLeast: position,
      }),
    );
  });

  app.get('/api/me', async (c) =>
    c.json(
      await gateway.query<AccountWithQuota>('GetAccount', {
        idOrUsername: c.get('session').accountId,
      }),
    ),
  );
};
