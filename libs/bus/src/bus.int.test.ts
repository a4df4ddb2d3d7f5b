import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { newId } from '@berth/ids';
import { z } from 'zod';
import { commandSchema } from '@berth/contracts';
import { BerthError, RejectedError } from '@berth/errors';
import { natsAccess } from '@berth/testkit';
import { sendCommand } from './command-client.js';
import { serveCommand, type CommandResult } from './command-server.js';
import { sendQuery, serveQuery } from './query.js';

let server: NatsConnection;
let client: NatsConnection;

beforeAll(async () => {
  server = await connect(natsAccess());
  client = await connect(natsAccess());
});
afterAll(async () => {
  await server.drain();
  await client.drain();
});

/** A command type of its own per test, so tests sharing the server never see each other. */
const testCommand = () => {
  const type = `Test${newId()}`;
  const schema = commandSchema(type, z.strictObject({ n: z.number().int() }));
  const command = (n: unknown, commandId = newId()) => ({
    type,
    data: { n },
    metadata: { commandId, actor: 'tester' },
  });
  return { type, schema, command };
};

const result = (n: number): CommandResult => ({ position: n, events: [] });

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error instanceof BerthError ? error.code : `untyped: ${String(error)}`;
  }
};

describe('command bus on a real nats-server', () => {
  it('delivers a typed command and returns the handler result', async () => {
    const { type, schema, command } = testCommand();
    const endpoint = serveCommand(server, {
      type,
      schema,
      service: 'test',
      handle: (c) => Promise.resolve(result(c.data.n * 2)),
    });
    await server.flush();
    expect(await sendCommand(client, command(21))).toEqual({ position: 42, events: [] });
    await endpoint.stop();
  });

  it('answers an invalid message with an invalid error naming the field, without calling the handler', async () => {
    const { type, schema, command } = testCommand();
    let calls = 0;
    const endpoint = serveCommand(server, {
      type,
      schema,
      service: 'test',
      handle: () => (calls++, Promise.resolve(result(0))),
    });
    await server.flush();
    await expect(sendCommand(client, command('seven'))).rejects.toMatchObject({
      code: 'invalid',
      field: 'data.n',
    });
    const noId = { type, data: { n: 1 }, metadata: { commandId: 'nope', actor: 'x' } };
    await expect(sendCommand(client, noId)).rejects.toMatchObject({
      code: 'invalid',
      field: 'metadata.commandId',
    });
    const raw = await client.request(`berth.cmd.${type}`, new TextEncoder().encode('{not json'), {
      timeout: 2000,
    });
    expect(JSON.parse(new TextDecoder().decode(raw.data))).toMatchObject({
      ok: false,
      error: { code: 'invalid' },
    });
    expect(calls).toBe(0);
    await endpoint.stop();
  });

  it('returns the first outcome for a retried commandId, running the handler once', async () => {
    const { type, schema, command } = testCommand();
    let calls = 0;
    const endpoint = serveCommand(server, {
      type,
      schema,
      service: 'test',
      handle: async (c) => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return result(c.data.n + calls);
      },
    });
    await server.flush();
    const same = command(10);
    const concurrent = await Promise.all([sendCommand(client, same), sendCommand(client, same)]);
    const later = await sendCommand(client, same);
    expect(calls).toBe(1);
    expect(concurrent).toEqual([result(11), result(11)]);
    expect(later).toEqual(result(11));
    await endpoint.stop();
  });

  it('turns domain errors into typed errors and hides internal ones', async () => {
    const { type, schema, command } = testCommand();
    const endpoint = serveCommand(server, {
      type,
      schema,
      service: 'test',
      handle: (c) => {
        if (c.data.n === 1) throw new RejectedError('not enough capacity', { field: 'count' });
        throw new Error('secret stack detail from a dependency');
      },
    });
    await server.flush();
    await expect(sendCommand(client, command(1))).rejects.toMatchObject({
      code: 'rejected',
      message: 'not enough capacity',
      field: 'count',
    });
    await expect(sendCommand(client, command(2))).rejects.toMatchObject({
      code: 'internal',
      message: 'internal error',
    });
    await endpoint.stop();
  });

  it('reports "unavailable" when no instance serves the command', async () => {
    const { command } = testCommand();
    expect(await codeOf(sendCommand(client, command(1), { retries: 1 }))).toBe('unavailable');
  });

  it('reports "timeout" when the instance does not answer in time, after retrying with the same id', async () => {
    const { type, schema, command } = testCommand();
    const seen: string[] = [];
    const endpoint = serveCommand(server, {
      type,
      schema,
      service: 'test',
      handle: async (c) => {
        seen.push(c.metadata.commandId);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        return result(0);
      },
    });
    await server.flush();
    const started = Date.now();
    expect(await codeOf(sendCommand(client, command(1), { timeoutMs: 150, retries: 2 }))).toBe(
      'timeout',
    );
    expect(Date.now() - started).toBeLessThan(900);
    expect(seen).toHaveLength(1); // the retries joined the running attempt
    await endpoint.stop();
  });

  it('spreads commands over a queue group and runs each exactly once', async () => {
    const { type, schema, command } = testCommand();
    const handledBy: Record<string, number[]> = { a: [], b: [] };
    const other = await connect(natsAccess());
    const endpoints = (['a', 'b'] as const).map((name) =>
      serveCommand(name === 'a' ? server : other, {
        type,
        schema,
        service: 'test',
        handle: (c) => (handledBy[name]?.push(c.data.n), Promise.resolve(result(c.data.n))),
      }),
    );
    await Promise.all([server.flush(), other.flush()]);
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, n) => sendCommand(client, command(n))),
    );
    expect(replies.map((r) => r.position)).toEqual(Array.from({ length: 200 }, (_, n) => n));
    const all = [...(handledBy.a ?? []), ...(handledBy.b ?? [])].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 200 }, (_, n) => n));
    expect(handledBy.a?.length).toBeGreaterThan(0);
    expect(handledBy.b?.length).toBeGreaterThan(0);
    for (const e of endpoints) await e.stop();
    await other.drain();
  });

  it('carries replies far larger than the max payload of the server, intact', async () => {
    const name = `TestQuery${newId()}`;
    const limit = server.info?.max_payload ?? 0;
    expect(limit).toBeGreaterThan(0);
    const rows = Array.from({ length: 3000 }, (_, i) => ({ i, text: `${i}:`.padEnd(2000, 'x') }));
    const endpoint = serveQuery(server, {
      name,
      schema: z.strictObject({ n: z.number().int() }),
      service: 'test',
      handle: ({ n }) => Promise.resolve(rows.slice(0, n)),
    });
    await server.flush();
    const big = await sendQuery<typeof rows>(client, name, { n: 3000 });
    expect(JSON.stringify(big).length).toBeGreaterThan(5 * limit);
    expect(big).toEqual(rows);
    expect(await sendQuery<typeof rows>(client, name, { n: 2 })).toEqual(rows.slice(0, 2));
    await endpoint.stop();
  });

  it('carries a command reply larger than the max payload', async () => {
    const { type, schema, command } = testCommand();
    const events = Array.from({ length: 800 }, (_, i) => ({
      position: i + 1,
      id: newId(),
      stream: 's',
      version: i + 1,
      type: 'Big',
      v: 1,
      at: new Date(0).toISOString(),
      data: { blob: 'y'.repeat(3000) },
      metadata: { actor: 'a', commandId: newId(), correlationId: newId(), causationId: newId() },
      hash: 'f'.repeat(64),
    }));
    const endpoint = serveCommand(server, {
      type,
      schema,
      service: 'test',
      handle: () => Promise.resolve({ position: 800, events }),
    });
    await server.flush();
    const reply = await sendCommand(client, command(1));
    expect(reply.events).toHaveLength(800);
    expect(reply.events[799]?.data).toEqual({ blob: 'y'.repeat(3000) });
    await endpoint.stop();
  });
});
