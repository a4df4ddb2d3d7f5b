import type { Command } from '../command.js';
import { required, UsageError } from '../command.js';
import { details, table } from '../output.js';

type Account = { id: string; username: string; role: string };

export const accounts: Command = {
  name: 'accounts',
  summary: 'list accounts (admin)',
  usage: 'berth accounts [--json]',
  example: 'berth accounts',
  async run(context) {
    const { body } = await context.client().request<Account[]>('GET', '/api/account');
    context.print(
      context.json
        ? JSON.stringify(body)
        : table(body, [
            ['ID', (a) => a.id],
            ['USERNAME', (a) => a.username],
            ['ROLE', (a) => a.role],
          ]),
    );
  },
};

export const account: Command = {
  name: 'account',
  summary: 'show one account by id or username (admin)',
  usage: 'berth account ID|USERNAME [--json]',
  example: 'berth account ops',
  async run(context) {
    const [id] = context.args;
    if (id === undefined) throw new UsageError('say which account');
    const { body } = await context
      .client()
      .request<Account>('GET', `/api/account/${encodeURIComponent(id)}`);
    context.print(context.json ? JSON.stringify(body) : details(body));
  },
};

export const aadd: Command = {
  name: 'aadd',
  summary: 'add an account (admin)',
  usage: 'berth aadd --name NAME --password PASSWORD --role admin|user',
  example: 'berth aadd --name ops --password s3cret-pass --role user',
  options: {
    name: { type: 'string', short: 'n' },
    password: { type: 'string', short: 'p' },
    role: { type: 'string', short: 'r' },
  },
  async run(context) {
    const body = {
      username: required(context, 'name'),
      password: required(context, 'password'),
      role: required(context, 'role'),
    };
    const { body: added } = await context.client().request<Account>('POST', '/api/account', body);
    context.print(
      context.json
        ? JSON.stringify(added)
        : `Added ${added.username} (${added.role}) as ${added.id}`,
    );
  },
};

export const adelete: Command = {
  name: 'adelete',
  summary: 'delete an account by id or username (admin)',
  usage: 'berth adelete ID|USERNAME',
  example: 'berth adelete ops',
  async run(context) {
    const [id] = context.args;
    if (id === undefined) throw new UsageError('say which account');
    await context.client().request('DELETE', `/api/account/${encodeURIComponent(id)}`);
    context.print(context.json ? JSON.stringify({ deleted: id }) : `Deleted ${id}`);
  },
};
