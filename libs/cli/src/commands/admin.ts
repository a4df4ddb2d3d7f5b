import { CliError } from '../client.js';
import type { Command } from '../command.js';

type ReplayReport = {
  position: number;
  events: number;
  ms: number;
  eventsPerSecond: number;
  equal: boolean;
  differences: string[];
};
type VerifyReport =
  { ok: true; checked: number } | { ok: false; checked: number; position: number; reason: string };

export const replay: Command = {
  name: 'replay',
  summary: 'rebuild the read model from position 0 and compare it with the live one (admin)',
  usage: 'berth replay [--json]',
  example: 'berth replay',
  async run(context) {
    const { body } = await context.client().request<ReplayReport>('POST', '/api/admin/replay');
    const summary = `replayed ${body.events} events to position ${body.position} in ${body.ms} ms (${body.eventsPerSecond} events/s)`;
    if (!body.equal)
      throw new CliError(
        `${summary}, but it differs from the live model: ${body.differences.slice(0, 3).join('; ')}`,
      );
    context.print(context.json ? JSON.stringify(body) : `${summary}: equal to the live model`);
  },
};

export const verify: Command = {
  name: 'verify',
  summary: "check the event log's hash chain; names the first broken position (admin)",
  usage: 'berth verify [--json]',
  example: 'berth verify',
  async run(context) {
    const { body } = await context.client().request<VerifyReport>('POST', '/api/admin/verify');
    if (!body.ok)
      throw new CliError(`the log is broken at position ${body.position}: ${body.reason}`);
    context.print(
      context.json ? JSON.stringify(body) : `the log is intact: ${body.checked} events checked`,
    );
  },
};
