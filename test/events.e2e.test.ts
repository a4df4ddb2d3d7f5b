// Audit, replay, verify and change streams on a running Berth.
import { get, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account, AuditEvent, Container, Engine, Group, RunAccepted } from '@berth/contracts';
import { newId } from '@berth/ids';
import { replay } from '@berth/projector';
import { spawnBerth, startTestHosts, type BerthProcess, type TestHost } from '@berth/testkit';

let berth: BerthProcess;
let hosts: TestHost[];
let downHosts: () => Promise<void>;
let admin = '';

const call = async (
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
) => {
  const response = await fetch(`${berth.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${options.token ?? admin}`,
      'content-type': 'application/json',
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text === '' ? undefined : JSON.parse(text)) as unknown,
  };
};
const login = async (username: string, password: string) =>
  ((await call('POST', '/auth/login', { body: { username, password } })).body as { token: string })
    .token;
const until = async (what: string, check: () => Promise<boolean>, limitMs = 5000) => {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

beforeAll(async () => {
  ({ hosts, down: downHosts } = await startTestHosts(2));
  berth = await spawnBerth({
    BERTH_ADMIN_PASSWORD: 'events-admin-1',
    BERTH_SSE_WRITE_TIMEOUT_MS: '1000',
  });
  admin = await login('admin', 'events-admin-1');
});
afterAll(async () => {
  await berth.stop();
  await downHosts();
});

describe('audit log and replay', () => {
  it('replays a scripted session into a fresh read model equal to the live one, field by field', async () => {
    const carol = await call('POST', '/api/account', {
      body: { username: 'carol', password: 'carol-pass-1', role: 'user' },
    });
    await call('POST', '/api/account', {
      body: { username: 'dan', password: 'dan-pass-12', role: 'user' },
    });
    const carolToken = await login('carol', 'carol-pass-1');
    await call('POST', '/account/passwdchange', {
      token: carolToken,
      body: { oldPassword: 'carol-pass-1', newPassword: 'carol-pass-2' },
    });
    await login('carol', 'carol-pass-2');
    await call('DELETE', '/api/account?username=dan');
    for (const host of hosts)
      expect(
        (
          await call('POST', '/api/engines', {
            body: { id: `e${host.index}`, addr: host.dockerUrl },
          })
        ).status,
      ).toBe(201);
    await until('engines healthy', async () =>
      ((await call('GET', '/api/engines')).body as Engine[]).every(
        (e) => e.health.status === 'healthy',
      ),
    );
    // Runs and scales: a group of 4, scaled to 6.
    const run = (
      await call('POST', '/api/containers?count=4', {
        body: { image: 'berth/busybox:test', cmd: ['sleep', '3600'], cpus: 0.1, memory: 16 },
      })
    ).body as RunAccepted;
    const group = async () => (await call('GET', `/api/groups/${run.group}`)).body as Group;
    const runningIs = (n: number) => async () => (await group()).replicas.running === n;
    await until('4 running', runningIs(4), 15_000);
    await call('POST', `/api/groups/${run.group}/scale?count=6`);
    await until('6 running', runningIs(6), 15_000);

    await (hosts[1] as TestHost).stopDocker(); // a host loss: its replicas move to e1
    await until(
      'e2 unhealthy',
      async () =>
        ((await call('GET', '/api/engines/e2')).body as Engine).health.status === 'unhealthy',
    );
    await until(
      'all 6 on e1',
      async () =>
        (await runningIs(6)()) &&
        ((await call('GET', `/api/containers?group=${run.group}`)).body as Container[]).every(
          (c) => c.engine === 'e1',
        ),
      45_000, // the replacements start on a machine busy with the other tests
    );

    const replayed = (await call('POST', '/api/admin/replay')).body as {
      equal: boolean;
      differences: string[];
      events: number;
      position: number;
    };
    expect(replayed).toMatchObject({ equal: true, differences: [] });
    expect(replayed.events).toBe(replayed.position);

    // And independently, from the log file: a fresh model equals what the API serves.
    const log = berth.openLog();
    const { model } = await replay(log);
    await log.close();
    expect(model.accounts.list()).toEqual((await call('GET', '/api/account')).body as Account[]);
    const servedEngines = ((await call('GET', '/api/engines')).body as Engine[]).map(
      ({ usedCpuPercent: _cpu, usedMemory: _memory, ...fromLog }) => fromLog, // measured, not logged
    );
    expect(model.engines.list()).toEqual(servedEngines);
    expect(model.containers.list(true)).toEqual(
      (await call('GET', '/api/containers?all=true')).body as Container[],
    );
    expect(model.containers.groupList()).toEqual((await call('GET', '/api/groups')).body);

    // Who asked → what was decided → what Docker did, for the run.
    const runEvents = [
      ...((await call('GET', `/api/events?group=${run.group}&count=200`)).body as AuditEvent[]),
    ].reverse();
    const created = runEvents.find((e) => e.type === 'GroupCreated') as AuditEvent;
    expect(created.actor).toBe('admin');
    const placed = runEvents.filter((e) => e.commandId === created.commandId);
    expect(placed.map((e) => e.type)).toEqual([
      'GroupCreated',
      ...Array(4).fill('ContainerPlaced'),
    ]);
    const first = placed[1] as AuditEvent;
    const made = (
      (await call('GET', `/api/events?container=${first.refs.container ?? ''}&count=50`))
        .body as AuditEvent[]
    ).reverse();
    const byExecutor = made.find((e) => e.type === 'ContainerCreated') as AuditEvent;
    expect(byExecutor).toMatchObject({
      actor: 'docker-executor',
      causationId: first.id,
      correlationId: created.correlationId,
    });
    expect(made.some((e) => e.type === 'DockerContainerEvent' && e.tags.includes('docker'))).toBe(
      true,
    );

    // Who asked → what was decided: one command, its events, one chain of ids.
    const carolId = (carol.body as Account).id;
    const carolEvents = (await call('GET', `/api/events?account=${carolId}&count=50`))
      .body as AuditEvent[];
    expect(carolEvents.map((e) => e.type).reverse()).toEqual([
      'AccountAdded',
      'AccountPasswordSet',
      'SessionStarted',
      'AccountPasswordSet',
      'SessionStarted',
    ]);
    const [added, firstPassword] = [...carolEvents].reverse();
    expect(added?.actor).toBe('admin');
    expect(added?.commandId).toBe(firstPassword?.commandId);
    expect(added?.correlationId).toBe(added?.commandId);
    expect(JSON.stringify(carolEvents)).not.toMatch(/scrypt|tokenHash/);
  });

  it('filters and pages newest first, and refuses unknown parameters', async () => {
    const all = (await call('GET', '/api/events?count=1000')).body as AuditEvent[];
    const positions = all.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => b - a));
    const first = await call('GET', '/api/events?count=3');
    const next = first.headers.get('x-next-before');
    const second = (await call('GET', `/api/events?count=3&before=${next}`)).body as AuditEvent[];
    expect([...(first.body as AuditEvent[]), ...second].map((e) => e.position)).toEqual(
      positions.slice(0, 6),
    );
    const health = (await call('GET', '/api/events?tag=health&engine=e2&count=10'))
      .body as AuditEvent[];
    expect(health.map((e) => e.message)).toEqual([
      expect.stringMatching(/^engine e2 is unhealthy/),
      expect.stringMatching(/^engine e2 is healthy/),
    ]);
    const types = (await call('GET', '/api/events?type=EngineAdded,AccountDeleted&count=10'))
      .body as AuditEvent[];
    expect(types.map((e) => e.type).sort()).toEqual([
      'AccountDeleted',
      'EngineAdded',
      'EngineAdded',
    ]);
    const byActor = (await call('GET', '/api/events?actor=carol&count=10')).body as AuditEvent[];
    expect(byActor.every((e) => e.actor === 'carol')).toBe(true);
    const future = (
      await call('GET', `/api/events?since=${new Date(Date.now() + 60_000).toISOString()}`)
    ).body as AuditEvent[];
    expect(future).toEqual([]);
    expect((await call('GET', '/api/events?count=0')).status).toBe(400);
    expect((await call('GET', '/api/events?colour=red')).body).toMatchObject({
      error: { code: 'invalid', field: 'colour' },
    });
  });

  it('verifies the hash chain and names an event altered behind its back', async () => {
    const ok = (await call('POST', '/api/admin/verify')).body as { ok: boolean; checked: number };
    expect(ok.ok).toBe(true);
    const raw = new Database(join(berth.dataDir, 'events.db'));
    raw.exec('DROP TRIGGER events_no_update');
    raw.prepare(`UPDATE events SET actor = 'mallory' WHERE position = 5`).run();
    raw.close();
    expect((await call('POST', '/api/admin/verify')).body).toMatchObject({
      ok: false,
      position: 5,
      reason: 'edited event',
    });
  });
});

/** A change-stream client: `frames` collects every SSE frame; `ended` settles when the server closes. */
/**
 * A change-stream client on node:http. Asking for gzip, it inflates what comes: a stream
 * that ends must then end as a whole gzip stream (checksum and length), or `ended` rejects.
 */
const sseClient = (path: string, headers: Record<string, string> = {}) => {
  const frames: { id?: number; event?: string; data: string }[] = [];
  let response: IncomingMessage | undefined;
  let reader: Readable | undefined;
  const ended = new Promise<void>((resolve, reject) => {
    get(
      `${berth.url}${path}`,
      { headers: { authorization: `Bearer ${admin}`, ...headers } },
      (res) => {
        response = res;
        const gzip = headers['accept-encoding'] === 'gzip';
        if (res.headers['content-encoding'] !== (gzip ? 'gzip' : undefined))
          return reject(new Error(`content-encoding ${res.headers['content-encoding']}`));
        const body = gzip ? res.pipe(createGunzip()).on('error', reject) : res;
        reader = body;
        let buffer = '';
        body.setEncoding('utf8');
        body.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame: { id?: number; event?: string; data: string } = { data: '' };
            for (const line of buffer.slice(0, end).split('\n')) {
              if (line.startsWith('id: ')) frame.id = Number(line.slice(4));
              else if (line.startsWith('event: ')) frame.event = line.slice(7);
              else if (line.startsWith('data: ')) frame.data += line.slice(6);
            }
            buffer = buffer.slice(end + 2);
            if (frame.data !== '') frames.push(frame);
          }
        });
        body.on('end', resolve);
        res.on('error', () => resolve()); // destroyed by the test: that connection is over
      },
    ).on('error', reject);
  });
  return { frames, ended, response: () => response, reader: () => reader };
};

describe('change streams', () => {
  it('gives 3 concurrent clients every event once in order, gzip or not; a resumed one misses nothing; a slow one is cut off alone', async () => {
    const head =
      ((await call('GET', '/api/events?count=1')).body as AuditEvent[])[0]?.position ?? 0;
    // Enough that the slow client's socket buffers (a few MB) fill up and its writes block.
    const total = 60_000;
    // The steady client takes gzip, as browsers do. The others take none: the slow one must
    // fill its socket's buffers, which these events compressed some hundredfold would not.
    const steady = sseClient(`/api/events/stream?from=${head + 1}`, { 'accept-encoding': 'gzip' });
    let resuming = sseClient(`/api/events/stream?from=${head + 1}`);
    const slow = sseClient(`/api/events/stream?from=${head + 1}`);
    await until('clients connected', () =>
      Promise.resolve([steady, resuming, slow].every((c) => c.reader() !== undefined)),
    );
    slow.reader()?.pause(); // takes nothing until much later

    // Events appended to the same log by another writer: Berth's streams must carry them all.
    const log = berth.openLog();
    const id = newId();
    const metadata = { actor: 'load', commandId: id, correlationId: id, causationId: id };
    for (let version = 0; version < total; version += 1000) {
      const batch = Array.from({ length: 1000 }, (_, i) => ({
        type: 'TestTick',
        data: { n: version + i },
        metadata,
      }));
      await log.append('ticks', version, batch);
    }
    await log.close();

    await until(
      'resuming client half-way',
      () => Promise.resolve(resuming.frames.length >= total / 2),
      30_000,
    );
    resuming.response()?.destroy();
    const firstPart = [...resuming.frames];
    const lastId = firstPart[firstPart.length - 1]?.id ?? 0;
    resuming = sseClient('/api/events/stream', { 'last-event-id': String(lastId) });
    await until(
      'steady and resumed clients have everything',
      () =>
        Promise.resolve(
          steady.frames.length >= total && firstPart.length + resuming.frames.length >= total,
        ),
      60_000,
    );

    const expected = Array.from({ length: total }, (_, i) => head + 1 + i);
    expect(steady.frames.map((f) => f.id)).toEqual(expected);
    expect([...firstPart, ...resuming.frames].map((f) => f.id)).toEqual(expected);
    expect(JSON.parse(steady.frames[10]?.data ?? '{}')).toMatchObject({
      type: 'TestTick',
      position: head + 11,
      actor: 'load',
    });

    // The slow client has taken nothing all this while; give the server time to give up on it.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    slow.reader()?.resume();
    await Promise.race([
      slow.ended,
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`slow client still open after ${slow.frames.length} frames`)),
          20_000,
        ),
      ),
    ]);
    const error = slow.frames.find((f) => f.event === 'error');
    expect(JSON.parse(error?.data ?? '{}')).toMatchObject({ error: { code: 'slow_consumer' } });
    const slowIds = slow.frames.filter((f) => f.id !== undefined).map((f) => f.id);
    expect(slowIds.length).toBeLessThan(total);
    expect(slowIds).toEqual(expected.slice(0, slowIds.length));
    resuming.response()?.destroy();
    steady.response()?.destroy();
  });
});
