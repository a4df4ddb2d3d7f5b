import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { r } from 'rethinkdb-ts';
import { generateSecretKey } from '@berth/auth';
import { parseRethinkUrl } from '@berth/eventlog';
import {
  freePort,
  spawnChild,
  startEtcdCluster,
  startNatsCluster,
  waitUntil,
  type Child,
  type LocalEtcdCluster,
  type LocalNatsCluster,
} from '@berth/local-infra';

/** Every service of a cluster, in the order they start (the api last: it fronts the others). */
export const CLUSTER_SERVICES = [
  'account',
  'engine-registry',
  'heartbeat',
  'projector',
  'scheduler',
  'docker-executor',
  'router',
  'api',
] as const;
export type ClusterService = (typeof CLUSTER_SERVICES)[number];

export type ClusterProcess = {
  /** `<service>-<n>`, `nats-<n>` or `etcd-<n>`. */
  name: string;
  pid: number;
  child: Child;
};

export type ClusterOptions = {
  nats?: number;
  etcd?: number;
  /** Processes per service. */
  instances?: number;
  /** Where the api processes listen (127.0.0.1; 0.0.0.0 for agents on test hosts). */
  apiHost?: string;
  /** Extra environment for every service process. */
  env?: Record<string, string>;
  /**
   * How to run one service: the argv after `node` (default: its built `main.js`; the bundle
   * takes `['dist/berth.mjs', service]`).
   */
  command?: (service: ClusterService) => string[];
  /**
   * With BERTH_RETHINKDB_URL set: log to a database of this run's own, dropped by `down()`
   * (a test must not meet an earlier run's events), instead of the URL's database.
   */
  freshRethinkDatabase?: boolean;
};

export type Cluster = Awaited<ReturnType<typeof startCluster>>;

const builtMain = (service: ClusterService) => [`services/${service}/dist/main.js`];

/** The RethinkDB URL the services get: given a fresh database, `berth_test_<run id>` on it. */
const rethinkUrl = (given: string, fresh: boolean, runId: string) => {
  if (given === '' || !fresh) return given;
  const url = new URL(given);
  url.pathname = `/berth_test_${runId}`;
  return url.toString();
};

const dropRethinkDatabase = async (url: string) => {
  const { host, port, db } = parseRethinkUrl(url);
  const conn = await r.connect({ host, port, silent: true });
  try {
    await r.dbDrop(db).run(conn);
  } finally {
    await conn.close();
  }
};

/** For `waitUntil`: settles once `condition` is true. */
const holds = (condition: boolean) =>
  condition ? Promise.resolve() : Promise.reject(new Error('not yet'));

const positive = (what: string, n: number) => {
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${what} must be a whole number ≥ 1, not ${n}`);
};

/**
 * A real cluster on this machine: `nats` nats-servers and `etcd` etcd members on loopback, both
 * requiring credentials, and `instances` separate processes of every service against them,
 * sharing one SQLite log (RethinkDB when BERTH_RETHINKDB_URL is set). All data lives under one
 * temporary directory named after the run id; `down()` stops everything and removes it.
 */
export const startCluster = async ({
  nats: natsSize = 3,
  etcd: etcdSize = 3,
  instances = 2,
  apiHost = '127.0.0.1',
  env: extraEnv = {},
  command = builtMain,
  freshRethinkDatabase = false,
}: ClusterOptions = {}) => {
  positive('nats', natsSize);
  positive('etcd', etcdSize);
  positive('instances', instances);
  const runId = randomBytes(3).toString('hex');
  const dir = join(tmpdir(), `berth-cluster-${runId}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const rethinkdb = rethinkUrl(process.env.BERTH_RETHINKDB_URL ?? '', freshRethinkDatabase, runId);
  const processes: ClusterProcess[] = [];
  let nats: LocalNatsCluster | undefined;
  let etcd: LocalEtcdCluster | undefined;
  const down = async () => {
    // The services first, while the bus they drain to is still there.
    const infra = (p: ClusterProcess) => /^(nats|etcd)-\d+$/.test(p.name);
    await Promise.all(processes.filter((p) => !infra(p)).map((p) => p.child.stop()));
    await nats?.stop();
    await etcd?.stop();
    if (freshRethinkDatabase && rethinkdb !== '') await dropRethinkDatabase(rethinkdb);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Both settle before going on, so down() stops the one that started when the other failed.
    const [natsStarted, etcdStarted] = await Promise.allSettled([
      startNatsCluster(join(dir, 'nats'), natsSize),
      startEtcdCluster(join(dir, 'etcd'), etcdSize),
    ]);
    if (natsStarted.status === 'fulfilled') nats = natsStarted.value;
    if (etcdStarted.status === 'fulfilled') etcd = etcdStarted.value;
    if (natsStarted.status === 'rejected') throw natsStarted.reason;
    if (etcdStarted.status === 'rejected') throw etcdStarted.reason;
    const [natsCluster, etcdCluster] = [natsStarted.value, etcdStarted.value];
    processes.push(
      ...natsCluster.nodes.map((n) => ({ name: n.name, pid: n.pid, child: n.child })),
      ...etcdCluster.members.map((m) => ({ name: m.name, pid: m.pid, child: m.child })),
    );
    const adminPassword = `admin-${randomBytes(12).toString('base64url')}`;
    const env: Record<string, string> = {
      ...natsCluster.env,
      ...etcdCluster.env,
      BERTH_SECRET_KEY: generateSecretKey(),
      BERTH_ADMIN_PASSWORD: adminPassword,
      ...(rethinkdb === ''
        ? { BERTH_STORE: 'sqlite', BERTH_DATA_DIR: join(dir, 'data') }
        : { BERTH_STORE: 'rethinkdb', BERTH_RETHINKDB_URL: rethinkdb }),
      BERTH_LOG_LEVEL: 'info',
      ...extraEnv,
    };
    mkdirSync(join(dir, 'data'), { recursive: true, mode: 0o700 });
    const apiUrls: string[] = [];
    const started: { name: string; child: Child; ready: () => Promise<unknown> }[] = [];
    for (const service of CLUSTER_SERVICES)
      for (let i = 1; i <= instances; i++) {
        const name = `${service}-${i}`;
        const own: Record<string, string> = {};
        let ready = (child: Child) => () => holds(child.output().includes('service ready'));
        if (service === 'api') {
          const port = await freePort();
          const url = `http://127.0.0.1:${port}`;
          apiUrls.push(url);
          Object.assign(own, { BERTH_HOST: apiHost, BERTH_PORT: String(port) });
          ready = () => async () => {
            if ((await fetch(`${url}/healthz`)).status !== 200) throw new Error('not healthy');
          };
        }
        if (service === 'router')
          Object.assign(own, {
            BERTH_ROUTER_HOST: '127.0.0.1',
            BERTH_ROUTER_PORT: String(await freePort()),
            BERTH_ROUTER_DIR: join(dir, name),
          });
        const child = spawnChild(process.execPath, command(service), {
          ...process.env,
          ...env,
          ...own,
        });
        processes.push({ name, pid: child.pid, child });
        started.push({ name, child, ready: ready(child) });
      }
    await Promise.all(
      started.map(({ name, child, ready }) =>
        waitUntil(name, ready, 90_000).catch((error: unknown) => {
          throw new Error(`${name} did not start: ${child.output().slice(-2000)}`, {
            cause: error,
          });
        }),
      ),
    );
    const byName = (name: string) => {
      const found = processes.find((p) => p.name === name);
      if (found === undefined)
        throw new Error(`no process ${name}; there are ${processes.map((p) => p.name).join(', ')}`);
      return found;
    };
    return {
      runId,
      dir,
      nats: natsCluster,
      etcd: etcdCluster,
      /** The environment every service process got (secrets included: never log it). */
      env,
      adminPassword,
      apiUrls,
      processes,
      byName,
      /** Sends `signal` (SIGKILL unless told) to one process and waits until it is gone. */
      kill: async (name: string, signal: NodeJS.Signals = 'SIGKILL') => {
        const target = byName(name);
        process.kill(target.pid, signal);
        await waitUntil(`${name} gone`, () => holds(target.child.exited()), 10_000);
      },
      down,
    };
  } catch (error) {
    await down();
    throw error;
  }
};
