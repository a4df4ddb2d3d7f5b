// What a docker or kubectl user expects of the berth CLI, against a real Berth and Docker host.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addHealthyEngine,
  apiClient,
  login,
  runCli,
  spawnBerth,
  startTestHosts,
  within,
  type BerthProcess,
  type TestHost,
} from '@berth/testkit';

const PASSWORD = 'conventions-admin';
let berth: BerthProcess;
let downHosts: () => Promise<void>;
let config: string;

const berthCli = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { XDG_CONFIG_HOME: config, BERTH_URL: '', BERTH_TOKEN: '', NO_COLOR: '', ...env });
const ok = async (...args: string[]) => {
  const result = await berthCli(args);
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
};

beforeAll(async () => {
  config = mkdtempSync(join(tmpdir(), 'berth-conventions-'));
  const hosts = await startTestHosts(1);
  downHosts = hosts.down;
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: PASSWORD });
  const token = await login(berth.url, 'admin', PASSWORD);
  await addHealthyEngine(
    apiClient(berth.url, () => token),
    'conv-1',
    (hosts.hosts[0] as TestHost).dockerUrl,
  );
});
afterAll(async () => {
  await berth.stop();
  await downHosts();
  rmSync(config, { recursive: true, force: true });
});

describe('berth CLI conventions', () => {
  it('completes `berth sc` to `berth scale` once its bash completion is sourced', async () => {
    const script = join(config, 'berth-completion.bash');
    writeFileSync(script, await ok('completion', 'bash'));
    const completed = spawnSync(
      'bash',
      [
        '-c',
        `source ${script}; COMP_WORDS=(berth sc); COMP_CWORD=1; _berth; echo "\${COMPREPLY[@]}"`,
      ],
      { encoding: 'utf8' },
    );
    expect(completed.stdout).toBe('scale\n');
    expect(await ok('completion', 'zsh')).toMatch(/^#compdef berth/);
  });

  it('logs in from stdin, takes global options before the command, and says its version', async () => {
    const loggedIn = spawnSync(
      process.execPath,
      ['libs/cli/bin/berth.js', '--url', berth.url, 'login', '-u', 'admin', '--password-stdin'],
      {
        input: `${PASSWORD}\n`,
        encoding: 'utf8',
        env: { ...process.env, XDG_CONFIG_HOME: config, BERTH_URL: '' },
      },
    );
    expect(loggedIn.status, loggedIn.stderr).toBe(0);
    expect(await ok('--version')).toMatch(/^\d+\.\d+\.\d+\n$/);
    const accounts = JSON.parse(await ok('--json', 'accounts')) as { username: string }[];
    expect(accounts.map((a) => a.username)).toEqual(['admin']);
  });

  it('never sends the saved token to another --url; BERTH_URL and BERTH_TOKEN stand in for a login', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const other = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"unauthenticated","message":"who are you"}}');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const { port } = other.address() as { port: number };
    try {
      const elsewhere = await berthCli(['--url', `http://127.0.0.1:${port}`, 'containers']);
      expect(elsewhere.code).toBe(1);
      expect(elsewhere.stderr).toMatch(/not logged in to http:\/\/127\.0\.0\.1:\d+/);
      expect(seen.filter((h) => h.authorization !== undefined)).toEqual([]);
    } finally {
      other.close();
    }

    const token = await login(berth.url, 'admin', PASSWORD);
    const fresh = mkdtempSync(join(tmpdir(), 'berth-no-login-'));
    try {
      const viaEnv = await runCli(['accounts', '--json'], {
        XDG_CONFIG_HOME: fresh,
        BERTH_URL: berth.url,
        BERTH_TOKEN: token,
      });
      expect(viaEnv.code, viaEnv.stderr).toBe(0);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('shows short ids that name one replica, takes several ids, and spells docker words', async () => {
    await ok(
      'run',
      '--name',
      'conv',
      '--count',
      '3',
      '--memory',
      '16',
      'berth/busybox:test',
      'sleep',
      '600',
    );
    const table = await ok('container', 'ls');
    expect(table).not.toContain('\x1b['); // not a terminal: no colour
    const rows = table.trim().split('\n').slice(1);
    const shown = rows.map((r) => r.split(/\s+/)[0] ?? '');
    expect(shown).toHaveLength(3);
    expect(shown.every((s) => s.length >= 6 && s.length < 26)).toBe(true);
    expect(new Set(shown).size).toBe(3);
    const full = (await ok('containers', '-q')).trim().split('\n');
    for (const short of shown) {
      const one = JSON.parse(await ok('container', short, '--json')) as { id: string };
      expect(full).toContain(one.id);
      expect(one.id.endsWith(short)).toBe(true);
    }
    expect(await ok('groups')).toMatch(
      /^ID\s+NAME\s+IMAGE\s+REPLICAS\s+REVISION\s+CREATED\n\S+\s+conv\s/,
    );

    const stopped = await ok('stop', shown[0] ?? '', shown[1] ?? '');
    expect(stopped.trim().split('\n')).toHaveLength(2);
    const destroyed = await ok('destroy', ...full);
    expect(destroyed.trim().split('\n')).toHaveLength(3);
    await within(20_000, 'all destroyed', async () => (await ok('containers', '-q')).trim() === '');
  });
});
