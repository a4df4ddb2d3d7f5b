import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startNatsServer, type LocalNats } from './nats-server.js';

let nats: LocalNats;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nats-'));
  nats = await startNatsServer(dir);
});
afterAll(async () => {
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

const refusal = async (options: Parameters<typeof connect>[0]) => {
  try {
    const nc = await connect({ ...options, reconnect: false });
    await nc.close();
    return 'connected';
  } catch (error) {
    return String((error as { code?: string }).code ?? error);
  }
};

it('refuses clients without the password, so no one else can put a command on the bus', async () => {
  expect(await refusal({ servers: nats.url })).toBe('AUTHORIZATION_VIOLATION');
  expect(await refusal({ servers: nats.url, user: 'berth', pass: 'guess' })).toBe(
    'AUTHORIZATION_VIOLATION',
  );
  const nc = await connect(nats.access);
  const echoed = nc.subscribe('berth.cmd.RunContainer', { max: 1 });
  await nc.flush();
  nc.publish('berth.cmd.RunContainer', 'from a client with the password');
  for await (const msg of echoed) expect(msg.string()).toBe('from a client with the password');
  await nc.close();
});

it('keeps the password in a file only its owner can read, never on the command line', () => {
  const file = join(dir, 'nats-server.conf');
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(readFileSync(file, 'utf8')).toContain(nats.access.pass);
  expect(readFileSync(`/proc/${nats.pid}/cmdline`, 'utf8')).not.toContain(nats.access.pass);
});
