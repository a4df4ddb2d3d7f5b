// The berth CLI driving a real Berth: only through the command line, as a user would.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBerth, startTestHosts, type BerthProcess, type TestHost } from '@berth/testkit';

const exec = promisify(execFile);
let berth: BerthProcess;
let host: TestHost;
let downHosts: () => Promise<void>;
let config: string;

/** Runs `berth ARGS…`; never throws, so exit codes can be asserted. */
const berthCli = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['libs/cli/bin/berth.js', ...args], {
      env: { ...process.env, XDG_CONFIG_HOME: config, BERTH_URL: '' },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

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
});
