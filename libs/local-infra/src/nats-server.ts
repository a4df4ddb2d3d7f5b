import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { freePort, spawnChild, waitUntil, type Child } from './child.js';

/** How a client reaches a NATS server that requires a user and password. */
export type NatsAccess = { servers: string; user: string; pass: string };

export type LocalNats = {
  url: string;
  pid: number;
  /** Options for `connect` (never log them: they hold the password). */
  access: NatsAccess;
  /** The same as the environment of a cluster-mode service. */
  env: { BERTH_NATS_URL: string; BERTH_NATS_USER: string; BERTH_NATS_PASSWORD: string };
  stop: () => Promise<void>;
};

/** A fresh user and password for servers on these loopback ports. */
export const newAccess = (ports: number[]): NatsAccess => ({
  servers: ports.map((port) => `nats://127.0.0.1:${port}`).join(','),
  user: 'berth',
  pass: randomBytes(24).toString('base64url'),
});

/** The environment of a cluster-mode service that reaches NATS with `access`. */
export const natsEnv = (access: NatsAccess) => ({
  BERTH_NATS_URL: access.servers,
  BERTH_NATS_USER: access.user,
  BERTH_NATS_PASSWORD: access.pass,
});

/** Waits until a client with `access` gets in (at every listed server when several). */
export const untilNatsAnswers = async (access: NatsAccess) => {
  for (const servers of access.servers.split(','))
    await waitUntil(
      `nats-server ${servers}`,
      async () => (await connect({ ...access, servers, reconnect: false })).close(),
      15_000,
    );
};

/**
 * Starts Debian's `nats-server` on a free loopback port with a fresh password, and waits until
 * it takes clients. The password lives only in a 0600 config file under `dir` (never on the
 * command line, where any local user could read it) and in the returned access. JetStream is
 * on, storing under `dir`.
 */
export const startNatsServer = async (dir?: string): Promise<LocalNats> => {
  const configDir = dir ?? mkdtempSync(join(tmpdir(), 'berth-nats-'));
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  // Made here so it is this user's alone; nats-server would make it 0750.
  mkdirSync(join(configDir, 'jetstream'), { recursive: true, mode: 0o700 });
  const port = await freePort();
  const access = newAccess([port]);
  const configFile = join(configDir, 'nats-server.conf');
  writeFileSync(
    configFile,
    [
      `listen: "127.0.0.1:${port}"`,
      `authorization {\n  user: "${access.user}"\n  password: "${access.pass}"\n}`,
      // JetStream keeps the api's login counters (a KV bucket) for every instance.
      `jetstream {\n  store_dir: "${join(configDir, 'jetstream')}"\n}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const child: Child = spawnChild('nats-server', ['-c', configFile]);
  const removeOwnDir = () => {
    if (dir === undefined) rmSync(configDir, { recursive: true, force: true });
  };
  try {
    await untilNatsAnswers(access);
  } catch (error) {
    await child.stop();
    removeOwnDir();
    throw new Error(`nats-server failed: ${child.output()}`, { cause: error });
  }
  return {
    url: access.servers,
    pid: child.pid,
    access,
    env: natsEnv(access),
    stop: async () => {
      await child.stop();
      removeOwnDir();
    },
  };
};
