import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSecretKey } from '@berth/auth';
import { chainKey, openSqliteEventLog, type EventLog } from '@berth/eventlog';
import { freePort } from '@berth/local-infra';
import { docker } from './docker-cli.js';

/** Every container the log says was placed. */
const placedContainers = async (log: EventLog) => {
  const placed = new Set<string>();
  for (let from = 1; ;) {
    const page = await log.readAll(from, { filter: { types: ['ContainerPlaced'] }, limit: 1000 });
    for (const event of page) placed.add((event.data as { container: string }).container);
    const last = page.at(-1);
    if (last === undefined) return placed;
    from = last.position + 1;
  }
};
/**
 * Removes from this machine's Docker the containers a stopped Berth placed (its log says which):
 * Berth leaves its replicas running when it stops, as it should, but a test must not.
 */
const removePlacedContainers = async (openLog: () => EventLog) => {
  const log = openLog();
  const placed = await placedContainers(log).finally(() => log.close());
  if (placed.size === 0) return;
  const listed = await docker([
    'ps',
    '-a',
    '--filter',
    'label=berth.container',
    '--format',
    '{{.ID}} {{.Label "berth.container"}}',
  ]);
  const ids = listed
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([, container]) => container !== undefined && placed.has(container))
    .map(([id]) => id ?? '');
  if (ids.length > 0) await docker(['rm', '-f', ...ids]);
};

export type BerthProcess = {
  url: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  exited: Promise<unknown[]>;
  output: () => string;
  /** Milliseconds from spawn to the first /healthz 200. */
  readyMs: number;
  /** Every /healthz status seen while waiting (0 = no answer yet). */
  statuses: number[];
  /** Its SQLite event log, opened with its own key (so `verify` holds); close it after use. */
  openLog: () => EventLog;
  /** Stops it with SIGINT and keeps its data directory (to start again on it). */
  halt: () => Promise<void>;
  /** Stops it with SIGINT, removes the containers it placed from this machine's Docker, and its data. */
  stop: () => Promise<void>;
};

/**
 * Runs `npm start`'s program (the built standalone service) on free ports with its own data,
 * or, given `at`, on the data directory and port of one that stopped (a restart).
 */
export const spawnBerth = async (
  env: Record<string, string> = {},
  at?: { dataDir: string; port: number },
): Promise<BerthProcess> => {
  const dataDir = at?.dataDir ?? mkdtempSync(join(tmpdir(), 'berth-e2e-'));
  const port = at?.port ?? (await freePort());
  const child = spawn(process.execPath, ['services/standalone/dist/main.js'], {
    env: {
      ...process.env,
      BERTH_PORT: String(port),
      BERTH_DATA_DIR: dataDir,
      BERTH_NATS_URL: '',
      BERTH_ETCD_URL: '',
      BERTH_LOG_LEVEL: 'warn',
      BERTH_LOCAL_ENGINE: 'off',
      // Tests run side by side: the router's fixed port is opted into by the tests that need it.
      BERTH_ROUTER: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  const host =
    env.BERTH_HOST === undefined || env.BERTH_HOST === '0.0.0.0' ? '127.0.0.1' : env.BERTH_HOST;
  const url = `http://${host}:${port}`;
  const started = Date.now();
  const statuses: number[] = [];
  while (Date.now() - started < 30_000 && child.exitCode === null) {
    const status = await fetch(`${url}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
    statuses.push(status);
    if (status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const openLog = () =>
    openSqliteEventLog({
      file: join(dataDir, 'events.db'),
      key: chainKey(
        parseSecretKey(env.BERTH_SECRET_KEY ?? readFileSync(join(dataDir, 'secret.key'), 'utf8')),
      ),
    });
  const halt = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      await exited;
    }
  };
  return {
    url,
    port,
    dataDir,
    child,
    exited,
    output: () => output,
    readyMs: Date.now() - started,
    statuses,
    openLog,
    halt,
    stop: async () => {
      await halt();
      if (existsSync(join(dataDir, 'events.db')))
        await removePlacedContainers(openLog).catch((error: unknown) =>
          console.warn(`containers of ${dataDir} may be left in Docker: ${String(error)}`),
        );
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};
