import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { newId } from '@berth/ids';
import { z } from 'zod';
import { commandSchema } from '@berth/contracts';
import { BerthError, RejectedError } from '@berth/errors';
import { natsUrl } from '@berth/testkit';
import { sendCommand } from './command-client.js';
import { serveCommand, type CommandResult } from './command-server.js';

let server: NatsConnection;
let client: NatsConnection;

beforeAll(async () => {
  server = await connect({ servers: natsUrl() });
  client = await connect({ servers: natsUrl() });
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
    const other = await connect({ servers: natsUrl() });
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
});
