import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { freePort, spawnChild, waitUntil, type Child } from './child.js';
import { natsEnv, newAccess, untilNatsAnswers, type NatsAccess } from './nats-server.js';

export type NatsNode = { name: string; url: string; pid: number; child: Child };
export type LocalNatsCluster = {
  nodes: NatsNode[];
  /** Every node's URL, comma-separated: a client fails over to the next. */
  access: NatsAccess;
  env: ReturnType<typeof natsEnv>;
  stop: () => Promise<void>;
};

/**
 * Starts `size` nats-servers on loopback as one cluster named "berth", with JetStream clustered
 * over them (the api keeps its login counters there). Clients need the password, and so do the
 * routes between nodes (their own user), so no stray server can join. Configs are 0600 under
 * `dir`, never on a command line.
 */
export const startNatsCluster = async (dir: string, size = 3): Promise<LocalNatsCluster> => {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`a NATS cluster needs ≥ 1 node, not ${size}`);
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  for (let i = 0; i < size; i++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
  }
  const access = newAccess(clientPorts);
  const route = { user: 'route', pass: randomBytes(24).toString('base64url') };
  const nodes: NatsNode[] = [];
  const stop = async () => void (await Promise.all(nodes.map((n) => n.child.stop())));
  try {
    for (let i = 0; i < size; i++) {
      const name = `nats-${i + 1}`;
      const nodeDir = join(dir, name);
      mkdirSync(join(nodeDir, 'jetstream'), { recursive: true, mode: 0o700 });
      const routes = routePorts
        .filter((_, j) => j !== i)
        .map((p) => `    "nats-route://${route.user}:${route.pass}@127.0.0.1:${p}"`);
      const configFile = join(nodeDir, 'nats-server.conf');
      writeFileSync(
        configFile,
        [
          `server_name: "${name}"`,
          `listen: "127.0.0.1:${clientPorts[i]}"`,
          `authorization {\n  user: "${access.user}"\n  password: "${access.pass}"\n}`,
          `jetstream {\n  store_dir: "${join(nodeDir, 'jetstream')}"\n}`,
          'cluster {',
          '  name: "berth"',
          `  listen: "127.0.0.1:${routePorts[i]}"`,
          `  authorization {\n    user: "${route.user}"\n    password: "${route.pass}"\n  }`,
          `  routes: [\n${routes.join('\n')}\n  ]`,
          '}',
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
      const child = spawnChild('nats-server', ['-c', configFile]);
      nodes.push({ name, url: `nats://127.0.0.1:${clientPorts[i]}`, pid: child.pid, child });
    }
    await untilNatsAnswers(access);
    // JetStream answers only once the nodes have elected its meta leader.
    await waitUntil(
      'JetStream across the NATS cluster',
      async () => {
        const nc = await connect({ ...access, reconnect: false });
        try {
          await (await nc.jetstreamManager()).getAccountInfo();
        } finally {
          await nc.close();
        }
      },
      30_000,
    );
  } catch (error) {
    const output = nodes.map((n) => `${n.name}: ${n.child.output()}`).join('\n');
    await stop();
    throw new Error(`the NATS cluster did not start: ${output}`, { cause: error });
  }
  return { nodes, access, env: natsEnv(access), stop };
};
