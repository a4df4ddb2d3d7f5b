import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { table } from '../output.js';

type Registry = { registry: string; username: string; setAt: string };

const path = (registry: string) => `/api/registries/${encodeURIComponent(registry)}`;

export const registries: Command = {
  name: 'registries',
  summary: 'list the registries pulls authenticate to (admin)',
  usage: 'berth registries [--json]',
  example: 'berth registries',
  async run(context) {
    const { body } = await context.client().request<Registry[]>('GET', '/api/registries');
    if (context.json) return context.print(JSON.stringify(body));
    context.print(
      table(body, [
        ['REGISTRY', (r) => r.registry],
        ['USERNAME', (r) => r.username],
        ['SET', (r) => r.setAt],
      ]),
    );
  },
};

export const radd: Command = {
  name: 'radd',
  summary: "store a registry's credentials, sealed, for pulls (admin)",
  usage: 'berth registry add REGISTRY -u USERNAME (--password-stdin | -p PASSWORD)',
  example: 'echo "$TOKEN" | berth registry add ghcr.io -u deploy --password-stdin',
  options: {
    username: { type: 'string', short: 'u' },
    password: { type: 'string', short: 'p' },
    'password-stdin': { type: 'boolean' },
  },
  async run(context) {
    const [registry] = context.args;
    if (registry === undefined) throw new UsageError('say which registry, e.g. ghcr.io');
    const username = context.values.username as string | undefined;
    if (username === undefined) throw new UsageError('give the username with -u');
    const fromStdin = context.values['password-stdin'] === true;
    const given = context.values.password as string | undefined;
    if (fromStdin === (given !== undefined))
      throw new UsageError('give the password with --password-stdin or -p, once');
    const password = fromStdin ? (await context.stdin()).replace(/\r?\n$/, '') : given;
    const { body } = await context
      .client()
      .request<Registry>('PUT', path(registry), { username, password });
    context.print(
      context.json
        ? JSON.stringify(body)
        : `Pulls from ${body.registry} log in as ${body.username}`,
    );
  },
};

export const rdelete: Command = {
  name: 'rdelete',
  summary: "forget a registry's credentials (admin)",
  usage: 'berth registry rm REGISTRY',
  example: 'berth registry rm ghcr.io',
  async run(context) {
    const [registry] = context.args;
    if (registry === undefined) throw new UsageError('say which registry');
    await context.client().request('DELETE', path(registry));
    context.print(context.json ? JSON.stringify({ registry }) : `Removed ${registry}`);
  },
};
