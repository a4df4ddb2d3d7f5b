import type { Command, Context } from '../command.js';
import { required, UsageError } from '../command.js';
import { details, table } from '../output.js';
import { parseMemory } from '../spec.js';

type Account = { id: string; username: string; role: string };
type Amounts = { replicas: number | null; cpus: number | null; memory: number | null };
type AccountWithQuota = Account & { quota: Amounts; usage: Amounts };

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
  summary: 'show one account by id or username, with its quota and usage (admin)',
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

/** A limit given as an option, or undefined (the default) when it is not. */
const limitOption = (context: Context, name: 'replicas' | 'cpus' | 'memory') => {
  const text = context.values[name];
  if (typeof text !== 'string') return undefined;
  if (name === 'memory') return parseMemory(text);
  if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`--${name} ${text}: must be a number`);
  return Number(text);
};

const shown = (account: AccountWithQuota) => {
  const of = (key: keyof Amounts) =>
    `${account.usage[key] ?? 0} of ${account.quota[key] ?? 'unlimited'}`;
  return `${account.username}: ${of('replicas')} replicas, ${of('cpus')} CPUs, ${of('memory')} MB`;
};

export const aquota: Command = {
  name: 'aquota',
  summary: "set an account's quota; a limit left out is the default (admin)",
  usage: 'berth account quota USERNAME [--replicas N] [--cpus C] [--memory MB]',
  example: 'berth account quota ops --replicas 10 --cpus 4 --memory 4g',
  options: {
    replicas: { type: 'string' },
    cpus: { type: 'string' },
    memory: { type: 'string' },
  },
  async run(context) {
    const [username] = context.args;
    if (username === undefined) throw new UsageError('say which account');
    const body = {
      replicas: limitOption(context, 'replicas'),
      cpus: limitOption(context, 'cpus'),
      memory: limitOption(context, 'memory'),
    };
    const { body: account } = await context
      .client()
      .request<AccountWithQuota>(
        'PUT',
        `/api/accounts/${encodeURIComponent(username)}/quota`,
        body,
      );
    context.print(context.json ? JSON.stringify(account) : `Quota set: ${shown(account)}`);
  },
};

export const me: Command = {
  name: 'me',
  summary: 'your account, its quota and what it uses',
  usage: 'berth me [--json]',
  example: 'berth me',
  async run(context) {
    const { body } = await context.client().request<AccountWithQuota>('GET', '/api/me');
    context.print(context.json ? JSON.stringify(body) : shown(body));
  },
};
