// Two account-service processes in one queue group; one is SIGKILLed while 200 AddAccount
// commands are in flight, retried by commandId. Exactly 200 accounts must come out.
// And an instance that cannot start exits with 1 instead of sitting there unready.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import type { AccountEvent } from '@berth/contracts';
import { generateSecretKey, parseSecretKey } from '@berth/auth';
import { sendCommand } from '@berth/bus';
import { chainKey, openSqliteEventLog } from '@berth/eventlog';
import { newId } from '@berth/ids';
import { startNatsServer, type LocalNats } from '@berth/local-infra';

let nats: LocalNats;
let client: NatsConnection;
let dataDir: string;
const instances: ChildProcess[] = [];
/** What each instance printed, to show when the test fails. */
const outputs = new Map<string, () => string>();
const secretKey = generateSecretKey();

/** Rejects after `ms` with what the instances printed: a hang says where it hung. */
const within = <T>(what: () => string, ms: number, work: Promise<T>) => {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const printed = [...outputs].map(
        ([name, output]) => `--- ${name}:\n${output().slice(-3000)}`,
      );
      reject(new Error(`${what()} not done within ${ms} ms\n${printed.join('\n')}`));
    }, ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
};

const startInstance = (name: string) =>
  new Promise<ChildProcess>((resolve, reject) => {
    const child = spawn(process.execPath, ['services/account/dist/main.js'], {
      env: {
        ...process.env,
        ...nats.env,
        BERTH_DATA_DIR: dataDir,
        BERTH_SECRET_KEY: secretKey,
        BERTH_ADMIN_PASSWORD: 'failover-admin',
        BERTH_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    instances.push(child);
    let output = '';
    outputs.set(name, () => output);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('account service ready')) resolve(child);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', () => reject(new Error(`${name} exited: ${output}`)));
  });

beforeAll(async () => {
  nats = await startNatsServer();
  client = await connect(nats.access);
  dataDir = mkdtempSync(join(tmpdir(), 'berth-failover-'));
});
afterAll(async () => {
  for (const child of instances) if (child.exitCode === null) child.kill('SIGKILL');
  await client.drain();
  await nats.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('keeps exactly-once AddAccount across a SIGKILLed instance', async () => {
  const [doomed] = await within(
    () => 'both instances ready',
    30_000,
    Promise.all([startInstance('a'), startInstance('b')]),
  );
  const total = 200;
  let completed = 0;
  let retried = 0;
  let next = 0;
  const addOne = async (i: number) => {
    const command = {
      type: 'AddAccount',
      data: { accountId: newId(), username: `load-${i}`, password: `password-${i}`, role: 'user' },
      metadata: { commandId: newId(), actor: 'failover-test' },
    };
    const started = Date.now();
    await sendCommand(client, command, { timeoutMs: 3000, retries: 10 });
    if (Date.now() - started >= 3000) retried++; // was in flight on the killed instance
    if (++completed === 40) doomed?.kill('SIGKILL');
  };
  // 16 in flight at a time, so the kill lands on commands that are mid-way.
  await within(
    () => `${total} AddAccount commands (${completed} done, ${retried} retried)`,
    90_000,
    Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) await addOne(next++);
      }),
    ),
  );
  expect(completed).toBe(total);
  expect(doomed?.signalCode).toBe('SIGKILL');
  expect(retried).toBeGreaterThan(0);

  const log = openSqliteEventLog({
    file: join(dataDir, 'events.db'),
    key: chainKey(parseSecretKey(secretKey)),
  });
  const events = (await log.readAll(1, {
    filter: { types: ['AccountAdded', 'AccountDeleted'] },
  })) as unknown as AccountEvent[];
  await log.close();
  const added = events.filter(
    (e) => e.type === 'AccountAdded' && e.data.username.startsWith('load-'),
  );
  expect(added).toHaveLength(total);
  const names = new Set(added.map((e) => (e.type === 'AccountAdded' ? e.data.username : '')));
  expect(names.size).toBe(total);
  expect(events.filter((e) => e.type === 'AccountDeleted')).toHaveLength(0);
});

it('exits with 1 and says why when it cannot start (no NATS at its address)', async () => {
  const child = spawn(process.execPath, ['services/account/dist/main.js'], {
    env: {
      ...process.env,
      ...nats.env,
      BERTH_NATS_URL: 'nats://127.0.0.1:1',
      BERTH_DATA_DIR: dataDir,
      BERTH_SECRET_KEY: secretKey,
      BERTH_ADMIN_PASSWORD: 'failover-admin',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  instances.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await within(() => 'exit', 30_000, once(child, 'exit'))) as [number | null];
  expect(code, output).toBe(1);
  expect(output).toContain('account service could not start');
  expect(output).toContain('CONNECTION_REFUSED');
});
