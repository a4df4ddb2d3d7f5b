// The berth CLI driving a real Berth: only through the command line, as a user would.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  runCli,
  spawnBerth,
  startTestHosts,
  within,
  type BerthProcess,
  type TestHost,
} from '@berth/testkit';

let berth: BerthProcess;
let host: TestHost;
let downHosts: () => Promise<void>;
let config: string;

/** Runs `berth ARGS…` with its own login file; never throws, so exit codes can be asserted. */
const berthCli = (...args: string[]) => runCli(args, { XDG_CONFIG_HOME: config, BERTH_URL: '' });

beforeAll(async () => {
  config = mkdtempSync(join(tmpdir(), 'berth-cli-'));
  const hosts = await startTestHosts(1);
  host = hosts.hosts[0] as TestHost;
  downHosts = hosts.down;
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: 'cli-admin-pass' });
});
afterAll(async () => {
  await berth.stop();
  await downHosts();
  rmSync(config, { recursive: true, force: true });
});

describe('berth CLI', () => {
  it('fails a wrong password with a non-zero exit and one clear line', async () => {
    const wrong = await berthCli('login', '--url', berth.url, '-u', 'admin', '-p', 'nope-nope');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toBe('berth: invalid username or password');
    const usage = await berthCli('aadd', '--name', 'x');
    expect(usage.code).toBe(2);
    const notLoggedIn = await berthCli('accounts');
    expect(notLoggedIn.stderr).toMatch(/not logged in/);
  });

  it('logs in, keeps the token private, and manages accounts, engines and events', async () => {
    const login = await berthCli(
      'login',
      '--url',
      berth.url,
      '-u',
      'admin',
      '-p',
      'cli-admin-pass',
    );
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(/Logged in to .* as admin/);
    expect(statSync(join(config, 'berth', 'login.json')).mode & 0o777).toBe(0o600);

    expect(
      (await berthCli('aadd', '--name', 'ops', '--password', 'ops-pass-12', '--role', 'user')).code,
    ).toBe(0);
    const accounts = JSON.parse((await berthCli('accounts', '--json')).stdout) as {
      username: string;
    }[];
    expect(accounts.map((a) => a.username)).toEqual(['admin', 'ops']);
    expect((await berthCli('accounts')).stdout).toMatch(/^ID\s+USERNAME\s+ROLE\n/);
    expect((await berthCli('adelete', 'ops')).code).toBe(0);

    const added = await berthCli(
      'eadd',
      '--id',
      'h1',
      '--addr',
      host.dockerUrl,
      '--label',
      'ssd',
      '--label',
      'zone-a',
    );
    expect(added.code).toBe(0);
    const engines = JSON.parse((await berthCli('engines', '--json')).stdout) as {
      id: string;
      labels: string[];
    }[];
    expect(engines).toMatchObject([{ id: 'h1', labels: ['ssd', 'zone-a'] }]);
    expect((await berthCli('engine', 'h1')).stdout).toMatch(/addr\s+tcp:\/\//);
    const bad = await berthCli('eadd', '--id', 'ghost', '--addr', 'tcp://127.0.0.1:1');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^berth: tcp:\/\/127\.0\.0\.1:1 is not a usable Docker engine/);
    expect(bad.stderr).not.toMatch(/at .*\.js/); // no stack trace

    const info = JSON.parse((await berthCli('clusterinfo', '--json')).stdout) as {
      engineCount: number;
    };
    expect(info.engineCount).toBe(1);
    expect((await berthCli('edelete', 'h1')).code).toBe(0);

    const events = JSON.parse((await berthCli('events', '50', '--json')).stdout) as {
      type: string;
      actor: string;
    }[];
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['AccountAdded', 'AccountDeleted', 'EngineAdded', 'EngineRemoved']),
    );
    expect(events.find((e) => e.type === 'EngineRemoved')?.actor).toBe('admin');
    expect((await berthCli('events', '5', '--type', 'AccountDeleted')).stdout).toMatch(
      /account ops deleted/,
    );
  });

  it('runs, lists, reads, scales and destroys replicas on a real Docker host', async () => {
    const json = async <T>(...args: string[]) => {
      const result = await berthCli(...args, '--json');
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      return JSON.parse(result.stdout) as T;
    };
    type Listed = { id: string; state: string; ports: { host: number; hostIp: string }[] };

    expect(
      (await berthCli('login', '-u', 'admin', '-p', 'cli-admin-pass', '--url', berth.url)).code,
    ).toBe(0);
    expect(
      (await berthCli('aadd', '--name', 'dev', '--password', 'dev-pass-123', '--role', 'user'))
        .code,
    ).toBe(0);
    // Engines are admin business: the admin adds c1 before handing over to the operator.
    const added = await berthCli(
      'eadd',
      '--id',
      'c1',
      '--addr',
      host.dockerUrl,
      '--cpus',
      '2',
      '--memory',
      '2048',
    );
    expect(added.code, added.stderr).toBe(0);
    const wrong = await berthCli('login', '--url', berth.url, '-u', 'dev', '-p', 'dev-pass-12');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toBe('berth: invalid username or password');
    // From here on as an operator ("user" role): containers and reading engines, not accounts.
    expect(
      (await berthCli('login', '--url', berth.url, '-u', 'dev', '-p', 'dev-pass-123')).code,
    ).toBe(0);
    expect((await berthCli('accounts')).code).toBe(1);
    const userEadd = await berthCli('eadd', '--id', 'c2', '--addr', host.dockerUrl);
    expect(userEadd.code).toBe(1);
    expect(userEadd.stderr).toMatch(/^berth: role user may not POST \/api\/engines/);
    await within(
      10_000,
      'engine c1 healthy',
      async () =>
        (await json<{ health: { status: string } }>('engine', 'c1')).health.status === 'healthy',
    );

    const usage = await berthCli('run', '--port', '99999', 'berth/busybox:test');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^berth: --port 99999: 99999 is not a port/);
    const missing = await berthCli('run', 'berth/missing:1');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^berth: 0 of 1 running, 1 failed: No such image/m);

    // Options after the image are the command's own (`-c`, `-f`, `-p`), as with docker run.
    const run = await berthCli(
      'run',
      '--count',
      '3',
      '--port',
      '80',
      '--memory',
      '32',
      'berth/busybox:test',
      'sh',
      '-c',
      'echo hello-from-berth; trap "exit 0" TERM; httpd -f -p 80 -h /www & wait',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/placed 3\/3 {2}running 3\/3 {2}failed 0/);
    expect(run.stdout).toMatch(
      /^Running 3 of berth\/busybox:test as group \w{26}\n\nID\s+IMAGE\s+STATE/,
    );

    const listed = await json<Listed[]>('containers');
    expect(listed.map((c) => c.state)).toEqual(['running', 'running', 'running']);
    for (const c of listed) {
      const page = await fetch(`http://${c.ports[0]?.hostIp}:${c.ports[0]?.host}/`, {
        signal: AbortSignal.timeout(3000),
      });
      expect(await page.text()).toContain('berth');
    }
    const table = await berthCli('containers');
    expect(table.stdout).toMatch(/^ID\s+IMAGE\s+STATE\s+ENGINE\s+PORTS\s+GROUP\s+CREATED\n/);
    expect(table.stdout.trim().split('\n')).toHaveLength(4);
    const [first, second] = listed.map((c) => c.id);
    const id = first ?? '';
    // Replicas placed together share a long prefix: a shorter one is ambiguous, and says so.
    let shared = 0;
    while (id[shared] === second?.[shared]) shared++;
    const ambiguous = await berthCli('container', id.slice(0, shared));
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toMatch(/is ambiguous: .*01/);

    const log = await berthCli('log', id);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toBe('hello-from-berth\n');
    const hour = 3_600_000;
    const bounded = await berthCli(
      'log',
      id,
      '--tail',
      '1',
      '--since',
      new Date(Date.now() - hour).toISOString(),
      '--until',
      String(Math.floor((Date.now() + hour) / 1000)),
    );
    expect(bounded.code, bounded.stderr).toBe(0);
    expect(bounded.stdout).toBe('hello-from-berth\n');
    const future = await berthCli(
      'log',
      id,
      '--since',
      String(Math.floor((Date.now() + hour) / 1000)),
    );
    expect(future.stdout).toBe('');
    const badSince = await berthCli('log', id, '--since', 'yesterday');
    expect(badSince.code).toBe(1);
    expect(badSince.stderr).toMatch(/since/);

    const scaled = await berthCli('scale', id, '1');
    expect(scaled.code, scaled.stderr).toBe(0);
    expect(scaled.stderr).toMatch(/running 1\/1/);
    const left = await json<Listed[]>('containers');
    expect(left).toHaveLength(1);
    const [kept] = left;

    expect((await berthCli('destroy', kept?.id ?? '')).code).toBe(0);
    await within(
      10_000,
      'destroyed',
      async () => (await json<Listed>('container', kept?.id ?? '')).state === 'destroyed',
    );
    expect(await json<Listed[]>('containers')).toEqual([]);

    const events = await json<{ type: string }[]>('events', '200');
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'GroupCreated',
        'ContainerPlaced',
        'ContainerStarted',
        'GroupScaled',
        'ContainerDestroyed',
      ]),
    );

    // The admin's checks of the log: a replay equal to the live model, an intact hash chain.
    const refused = await berthCli('verify');
    expect([refused.code, refused.stderr]).toEqual([
      1,
      'berth: role user may not POST /api/admin/verify\n',
    ]);
    await berthCli('login', '--url', berth.url, '-u', 'admin', '-p', 'cli-admin-pass');
    const replayed = await berthCli('replay');
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toMatch(/^replayed \d+ events .*: equal to the live model\n$/);
    const verified = await berthCli('verify');
    expect(verified.stdout).toMatch(/^the log is intact: \d+ events checked\n$/);
  });
});
