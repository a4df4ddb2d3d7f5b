import type { Command } from '../command.js';
import { required, UsageError } from '../command.js';
import { details, table, usedCpu, usedMb } from '../output.js';

type Engine = {
  id: string;
  addr: string;
  cpus: number;
  memory: number;
  labels: string[];
  reservedCpus: number;
  reservedMemory: number;
  usedCpuPercent: number | null;
  usedMemory: number | null;
  health: { status: string; responseTimeMs: number | null };
  source: string;
  insecure: boolean;
};

export const engines: Command = {
  name: 'engines',
  summary: 'list engines with health, reservations and measured usage',
  usage: 'berth engines [--json]',
  example: 'berth engines',
  async run(context) {
    const { body } = await context.client().request<Engine[]>('GET', '/api/engines');
    if (context.json) return context.print(JSON.stringify(body));
    context.print(
      table(body, [
        ['ID', (e) => e.id],
        ['ADDRESS', (e) => e.addr],
        ['HEALTH', (e) => (e as Engine).health.status],
        ['PING MS', (e) => (e as Engine).health.responseTimeMs],
        ['CPUS', (e) => `${String(e.reservedCpus)}/${String(e.cpus)}`],
        ['CPU USED', (e) => usedCpu((e as Engine).usedCpuPercent)],
        ['MEMORY MB', (e) => `${String(e.reservedMemory)}/${String(e.memory)}`],
        ['MEM USED MB', (e) => usedMb((e as Engine).usedMemory)],
        ['LABELS', (e) => e.labels],
        ['SOURCE', (e) => e.source],
      ]),
    );
    for (const e of body.filter((e) => e.insecure))
      context.warn(
        `warning: engine ${e.id} is driven over plain TCP at ${e.addr}, a public address, without TLS: anyone on the way can run containers there`,
      );
  },
};

export const joinToken: Command = {
  name: 'join-token',
  summary: 'print the token an agent needs to join (BERTH_JOIN_TOKEN)',
  usage: 'berth engine join-token',
  example: 'BERTH_JOIN_TOKEN=$(berth engine join-token)',
  async run(context) {
    const { body } = await context
      .client()
      .request<{ token: string }>('GET', '/api/agents/join-token');
    context.print(context.json ? JSON.stringify(body) : body.token);
  },
};

export const engine: Command = {
  name: 'engine',
  summary: 'show one engine',
  usage: 'berth engine ID [--json]',
  example: 'berth engine web-1',
  async run(context) {
    const [id] = context.args;
    if (id === undefined) throw new UsageError('say which engine');
    const { body } = await context
      .client()
      .request<Engine>('GET', `/api/engines/${encodeURIComponent(id)}`);
    context.print(context.json ? JSON.stringify(body) : details(body));
  },
};

export const eadd: Command = {
  name: 'eadd',
  summary: 'add a Docker host by hand; it must answer as a Docker Engine',
  usage:
    'berth eadd --id ID --addr tcp://HOST:PORT|unix:///PATH [--cpus N] [--memory MB] [--label L]…',
  example: 'berth eadd --id web-1 --addr tcp://10.0.0.5:2375 --label ssd',
  options: {
    id: { type: 'string' },
    addr: { type: 'string' },
    cpus: { type: 'string' },
    memory: { type: 'string' },
    label: { type: 'string', multiple: true },
  },
  async run(context) {
    const number = (name: string) => {
      const value = context.values[name];
      if (value === undefined) return {};
      const parsed = Number(value);
      if (!Number.isFinite(parsed)) throw new UsageError(`--${name} must be a number`);
      return { [name]: parsed };
    };
    const body = {
      id: required(context, 'id'),
      addr: required(context, 'addr'),
      ...number('cpus'),
      ...number('memory'),
      labels: (context.values.label as string[] | undefined) ?? [],
    };
    const { body: added } = await context.client().request<Engine>('POST', '/api/engines', body);
    context.print(
      context.json
        ? JSON.stringify(added)
        : `Added engine ${added.id} (${added.cpus} CPUs, ${added.memory} MB)`,
    );
  },
};

export const edelete: Command = {
  name: 'edelete',
  summary: 'take an engine out of the pool',
  usage: 'berth edelete ID',
  example: 'berth edelete web-1',
  async run(context) {
    const [id] = context.args;
    if (id === undefined) throw new UsageError('say which engine');
    await context.client().request('DELETE', `/api/engines/${encodeURIComponent(id)}`);
    context.print(context.json ? JSON.stringify({ deleted: id }) : `Deleted engine ${id}`);
  },
};
