// Secret variables: the container gets the value, and nothing else ever holds it in clear:
// not the log, the read model, any route or stream, the data directory or Berth's own output.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSecret, parseSecretKey } from '@berth/auth';
import type { AuditEvent, Container, Group, RunAccepted } from '@berth/contracts';
import { apiClient, runCli, spawnBerth, within, type BerthProcess } from '@berth/testkit';

const exec = promisify(execFile);
let berth: BerthProcess;
let cliConfig: string;
const tokens: Record<string, string> = {};
/** Every answer (as JSON) and stream (as sent) Berth gave, and what the CLI printed. */
const seen: string[] = [];

/** An API call as `who`; every answer is kept to be searched for secrets at the end. */
const call = async (who: string, method: string, path: string, body?: unknown) => {
  const answer = await apiClient(berth.url, () => tokens[who] ?? '').call(method, path, body);
  const text = JSON.stringify(answer.body);
  seen.push(text);
  return { status: answer.status, json: answer.body, text };
};
const login = async (username: string, password: string) => {
  const answer = await call('', 'POST', '/auth/login', { username, password });
  expect(answer.status, answer.text).toBe(200);
  tokens[username] = (answer.json as { token: string }).token;
};
const newestPosition = async () =>
  ((await call('admin', 'GET', '/api/events?count=1')).json as AuditEvent[])[0]?.position ?? 0;

/** Follows the change stream from `from` until `stop()`, which gives the raw SSE text. */
const follow = (who: string, from: number) => {
  const controller = new AbortController();
  let text = '';
  const reading = (async () => {
    const response = await fetch(`${berth.url}/api/events/stream?from=${from}`, {
      headers: { authorization: `Bearer ${tokens[who] ?? ''}` },
      signal: controller.signal,
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body as AsyncIterable<Uint8Array>)
      text += decoder.decode(chunk, { stream: true });
  })().catch(() => undefined); // aborted by stop()
  return {
    stop: async () => {
      controller.abort();
      await reading;
      seen.push(text);
      return text;
    },
  };
};

const docker = async (...args: string[]) =>
  (
    await exec('docker', args).catch((error: unknown) => {
      const e = error as { code?: number; stderr?: string };
      throw new Error(`docker ${args.join(' ')}: exit ${e.code ?? '?'}: ${e.stderr ?? ''}`);
    })
  ).stdout;
const envOf = async (dockerName: string) =>
  JSON.parse(await docker('inspect', '--format', '{{json .Config.Env}}', dockerName)) as string[];

/** Every regular file under `dir`, as bytes (SQLite's log, WAL and all, etcd's data, configs). */
const filesUnder = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { path, bytes: readFileSync(path) };
    });
const holding = (files: ReturnType<typeof filesUnder>, text: string) =>
  files.filter(({ bytes }) => bytes.includes(text)).map(({ path }) => path);

/** Runs `berth ARGS…` with its own login file and `env` added to its environment. */
const berthCli = (env: Record<string, string>, ...args: string[]) =>
  runCli(args, { ...env, XDG_CONFIG_HOME: cliConfig, BERTH_URL: '' });

beforeAll(async () => {
  cliConfig = mkdtempSync(join(tmpdir(), 'berth-secrets-cli-'));
  // Debug logs too: no level may print a secret.
  berth = await spawnBerth({
    BERTH_ADMIN_PASSWORD: 'secrets-admin-1',
    BERTH_LOCAL_ENGINE: 'auto',
    BERTH_LOG_LEVEL: 'debug',
  });
  await login('admin', 'secrets-admin-1');
  const added = await call('admin', 'POST', '/api/account', {
    username: 'sam',
    password: 'sam-pass-123',
    role: 'user',
  });
  expect(added.status, added.text).toBe(201);
  await login('sam', 'sam-pass-123');
});
/** Groups this file ran: their containers are removed even when a test fails halfway. */
const groups: string[] = [];
afterAll(async () => {
  for (const group of groups) {
    const ids = (await docker('ps', '-aq', '--filter', `label=berth.group=${group}`)).split('\n');
    for (const id of ids.filter(Boolean)) await docker('rm', '-f', id);
  }
  await berth.stop();
  rmSync(cliConfig, { recursive: true, force: true });
});

it('refuses a bad secretEnv with a 400 naming the field, and appends nothing', async () => {
  const before = await newestPosition();
  const spec = { image: 'berth/busybox:test', cmd: ['sleep', '1'], cpus: 0.01, memory: 8 };
  for (const [secretEnv, env, field] of [
    [{ MODE: 'hidden-value-1' }, { MODE: 'plain' }, 'secretEnv.MODE'],
    [{ 'bad-name': 'hidden-value-2' }, undefined, 'secretEnv.bad-name'],
    [{ LONG: 'x'.repeat(4097) }, undefined, 'secretEnv.LONG'],
  ] as const) {
    const answer = await call('sam', 'POST', '/api/containers', {
      ...spec,
      ...(env === undefined ? {} : { env }),
      secretEnv,
    });
    expect([answer.status, (answer.json as { error: { field?: string } }).error.field]).toEqual([
      400,
      field,
    ]);
    expect(answer.text).not.toMatch(/hidden-value|xxxx/);
  }
  expect(await newestPosition()).toBe(before);
});

it('gives replicas their secret variables and shows their names only, everywhere', async () => {
  const secret = `db-secret-${randomBytes(16).toString('hex')}`;
  const cliSecret = `cli-secret-${randomBytes(16).toString('hex')}`;
  const from = (await newestPosition()) + 1;
  const adminStream = follow('admin', from);
  const samStream = follow('sam', from);

  // A user may run it (secret variables reach nothing of the host); the command line names
  // the variable, never its value, and the replica writes what it got to a file.
  const run = await call('sam', 'POST', '/api/containers', {
    image: 'berth/busybox:test',
    cmd: ['sh', '-c', 'echo "$DB_PASSWORD" > /tmp/secret; exec sleep 300'],
    env: { MODE: 'plain' },
    secretEnv: { DB_PASSWORD: secret },
    // Healthy until told otherwise: an unhealthy replica is replaced by a new one.
    // (Three failed checks in a row, so a slow check on a busy machine is not enough.)
    healthcheck: { cmd: ['test', '!', '-f', '/tmp/sick'], intervalSeconds: 1, retries: 3 },
    // Room for the health check's and the test's `docker exec`s beside sleep (8 MB killed them).
    cpus: 0.1,
    memory: 32,
  });
  expect(run.status, run.text).toBe(202);
  const { group } = run.json as RunAccepted;
  groups.push(group);
  const readGroup = async () => (await call('sam', 'GET', `/api/groups/${group}`)).json as Group;
  await within(
    30_000,
    'the replica running',
    async () => (await readGroup()).replicas.running === 1,
  );

  const replicas = async () =>
    (await call('sam', 'GET', `/api/containers?group=${group}`)).json as Container[];
  const [first] = await replicas();
  expect(await envOf(first?.name ?? '')).toEqual(
    expect.arrayContaining(['MODE=plain', `DB_PASSWORD=${secret}`]),
  );
  expect((await docker('exec', first?.name ?? '', 'cat', '/tmp/secret')).trim()).toBe(secret);

  // A second replica, placed by the scale, gets it from the group's spec as well.
  expect((await call('sam', 'POST', `/api/groups/${group}/scale?count=2`)).status).toBe(202);
  await within(
    30_000,
    'two replicas running',
    async () => (await readGroup()).replicas.running === 2,
  );
  const added = (await replicas()).find((c) => c.id !== first?.id);
  expect(added).toBeDefined();
  expect(await envOf(added?.name ?? '')).toContain(`DB_PASSWORD=${secret}`);
  expect((await docker('exec', added?.name ?? '', 'cat', '/tmp/secret')).trim()).toBe(secret);

  // Restarted, the replica's command finds the variable again (the file it wrote is gone).
  await docker('exec', first?.name ?? '', 'rm', '/tmp/secret');
  const restart = await call('sam', 'POST', `/api/containers/${first?.id ?? ''}/restart`);
  expect(restart.status, restart.text).toBe(200);
  await within(30_000, 'the restarted replica wrote the file again', () =>
    docker('exec', first?.name ?? '', 'cat', '/tmp/secret').then(
      (text) => text.trim() === secret,
      () => false,
    ),
  );

  // The replacement of a replica turned unhealthy is created with it as well.
  await docker('exec', first?.name ?? '', 'touch', '/tmp/sick');
  let replacement: Container | undefined;
  await within(60_000, 'a replacement running', async () => {
    replacement = (await replicas()).find(
      (c) => c.id !== first?.id && c.id !== added?.id && c.state === 'running',
    );
    return replacement !== undefined;
  });
  expect(await envOf(replacement?.name ?? '')).toContain(`DB_PASSWORD=${secret}`);

  // The group shows the names of its secret variables; env stays as it was.
  const shown = await readGroup();
  expect(shown.spec.secretEnv).toEqual(['DB_PASSWORD']);
  expect(shown.spec.env).toEqual({ MODE: 'plain' });

  // The CLI: `--secret-env NAME` takes the value from its own environment, off the command line.
  const cliLogin = await berthCli(
    {},
    'login',
    '--url',
    berth.url,
    '-u',
    'sam',
    '-p',
    'sam-pass-123',
  );
  expect(cliLogin.code, cliLogin.stderr).toBe(0);
  const cliRun = await berthCli(
    { API_TOKEN: cliSecret },
    'run',
    '--detach',
    '--json',
    '--cpus',
    '0.01',
    '--memory',
    '8',
    '--secret-env',
    'API_TOKEN',
    'berth/busybox:test',
    'sleep',
    '300',
  );
  expect(cliRun.code, cliRun.stderr).toBe(0);
  const cliGroup = (JSON.parse(cliRun.stdout) as RunAccepted).group;
  groups.push(cliGroup);
  const cliReplica = async () =>
    ((await call('sam', 'GET', `/api/containers?group=${cliGroup}`)).json as Container[])[0];
  await within(
    30_000,
    "the CLI's replica running",
    async () => (await cliReplica())?.state === 'running',
  );
  expect(await envOf((await cliReplica())?.name ?? '')).toContain(`API_TOKEN=${cliSecret}`);
  const cliShown = await berthCli({}, 'container', (await cliReplica())?.id ?? '', '--json');
  seen.push(cliShown.stdout, cliShown.stderr, cliLogin.stdout, cliRun.stdout, cliRun.stderr);

  // Every read, as the user and as the admin.
  for (const who of ['sam', 'admin']) {
    for (const path of [
      '/api/groups',
      `/api/groups/${group}`,
      `/api/groups/${cliGroup}`,
      '/api/containers?all=true',
      `/api/containers?group=${group}`,
      '/api/events?count=1000',
      '/api/cluster/info',
    ])
      expect((await call(who, 'GET', path)).status).toBe(200);
    for (const c of await replicas()) await call(who, 'GET', `/api/containers/${c.id}`);
  }
  const [adminSaw, samSaw] = await Promise.all([adminStream.stop(), samStream.stop()]);
  expect(adminSaw).toContain(`group ${group} created`);
  expect(samSaw).toContain(`group ${cliGroup} created`);

  // The log holds the values sealed under the cluster's key, and nothing else of them.
  const events = berth.openLog();
  const created = (await events.readAll(1, { filter: { types: ['GroupCreated'] } })).find(
    (e) => (e.data as { group: string }).group === group,
  );
  await events.close();
  const sealed = (created?.data as { spec: { secretEnv: Record<string, string> } }).spec.secretEnv
    .DB_PASSWORD;
  const key = parseSecretKey(readFileSync(join(berth.dataDir, 'secret.key'), 'utf8'));
  expect(sealed).toMatch(/^v1\./);
  expect(openSecret(key, sealed ?? '')).toBe(secret);

  // Nowhere a value: no answer, no stream, no file of the data directory, no line Berth wrote.
  for (const value of [secret, cliSecret, sealed ?? '']) {
    expect(seen.filter((text) => text.includes(value))).toEqual([]);
    expect(berth.output().includes(value)).toBe(false);
  }
  // The check reads what it should: the sealed value is in the log's files.
  const running = filesUnder(berth.dataDir);
  expect(running.some(({ path }) => path.endsWith('events.db-wal'))).toBe(true);
  expect(holding(running, sealed ?? '').length).toBeGreaterThan(0);
  expect(holding(running, secret)).toEqual([]);
  expect(holding(running, cliSecret)).toEqual([]);

  for (const g of [group, cliGroup])
    expect((await call('sam', 'POST', `/api/groups/${g}/scale?count=0`)).status).toBe(202);
  await within(
    30_000,
    'the replicas gone from Docker',
    async () =>
      (await docker('ps', '-aq', '--filter', `label=berth.group=${group}`)).trim() === '' &&
      (await docker('ps', '-aq', '--filter', `label=berth.group=${cliGroup}`)).trim() === '',
  );

  // Once stopped (the read model's checkpoint written, the WAL folded in): still nowhere.
  berth.child.kill('SIGINT');
  await berth.exited;
  const files = filesUnder(berth.dataDir);
  expect(files.some(({ path }) => path.endsWith('read-model.checkpoint.json'))).toBe(true);
  for (const value of [secret, cliSecret]) {
    expect(holding(files, value)).toEqual([]);
    expect(berth.output().includes(value)).toBe(false);
  }
  const size = (all: typeof files) => all.reduce((sum, { bytes }) => sum + bytes.length, 0);
  console.log(
    `no secret in ${seen.length} answers and streams (${adminSaw.split('\ndata: ').length - 1} ` +
      `events streamed to the admin); in the data directory ${running.length} files ` +
      `(${size(running)} bytes) while running, ${files.length} (${size(files)} bytes) once ` +
      `stopped; ${berth.output().length} characters of Berth's output`,
  );
}, 180_000);
