import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { followStream } from '../follow.js';
import { printable, table } from '../output.js';

type AuditEvent = { position: number; type: string; at: string; actor: string; message: string };

const FILTERS = [
  'type',
  'engine',
  'container',
  'group',
  'account',
  'actor',
  'tag',
  'since',
  'until',
] as const;

const line = (e: AuditEvent) =>
  printable(`${e.position}  ${e.at}  ${e.actor}  ${e.type}  ${e.message}`);

export const events: Command = {
  name: 'events',
  summary: 'the latest events, newest first; --follow keeps printing new ones',
  usage:
    'berth events [COUNT] [--type T,…] [--engine E] [--account A] [--actor U] [--tag T] [--since ISO] [--follow] [--json]',
  example: 'berth events 20 --tag engine --follow',
  options: {
    ...Object.fromEntries(FILTERS.map((f) => [f, { type: 'string' }])),
    follow: { type: 'boolean', short: 'f' },
  },
  async run(context) {
    const count = Number(context.args[0] ?? 20);
    if (!Number.isInteger(count) || count < 1 || count > 1000)
      throw new UsageError('COUNT must be 1 to 1000');
    const query = new URLSearchParams();
    for (const f of FILTERS) {
      const value = context.values[f];
      if (typeof value === 'string') query.set(f, value);
    }
    const { body } = await context
      .client()
      .request<AuditEvent[]>('GET', `/api/events?${query.toString()}&count=${count}`);
    if (context.json && context.values.follow !== true) return context.print(JSON.stringify(body));
    if (context.json) body.reverse().forEach((e) => context.print(JSON.stringify(e)));
    else if (context.values.follow === true) body.reverse().forEach((e) => context.print(line(e)));
    else {
      context.print(
        table(body, [
          ['POSITION', (e) => e.position],
          ['TIME', (e) => e.at],
          ['ACTOR', (e) => e.actor],
          ['TYPE', (e) => e.type],
          ['MESSAGE', (e) => e.message],
        ]),
      );
    }
    if (context.values.follow !== true) return;
    // Nothing matched so far: every later match is new, so start at the beginning.
    const newest = body[body.length - 1]; // oldest first now
    await followStream(context.client(), {
      from: newest === undefined ? 1 : newest.position + 1,
      path: `/api/events/stream?${query.toString()}`,
      onEvent: (data) => context.print(context.json ? data : line(JSON.parse(data) as AuditEvent)),
      warn: context.warn,
    });
  },
};
