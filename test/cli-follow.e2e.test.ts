// `berth events --follow` lasts: past Node's 300 s body timeout, and across an API restart.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiClient, login, runCli, spawnBerth, within, type BerthProcess } from '@berth/testkit';

const PASSWORD = 'follow-admin-pass';
// Past Node's 300 s body timeout; shorter only to try the test out (FOLLOW_QUIET_MS).
const QUIET_MS = Number(process.env.FOLLOW_QUIET_MS ?? 6 * 60_000 + 10_000);

let berth: BerthProcess;
let config: string;

beforeAll(async () => {
  config = mkdtempSync(join(tmpdir(), 'berth-follow-'));
  berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: PASSWORD });
});
afterAll(async () => {
  await berth.stop();
  rmSync(config, { recursive: true, force: true });
});

const addAccount = async (username: string) => {
  const api = apiClient(berth.url, () => token);
  const token = await login(berth.url, 'admin', PASSWORD);
  const added = await api.post('/api/account', {
    username,
    password: 'follow-pass-12',
    role: 'user',
  });
  expect(added.status).toBe(201);
};

it(
  'still follows after 6 quiet minutes, then resumes after a restart without losing or repeating an event',
  async () => {
    const env = { ...process.env, XDG_CONFIG_HOME: config, BERTH_URL: '' };
    const loggedIn = await runCli(
      ['login', '--url', berth.url, '-u', 'admin', '-p', PASSWORD],
      env,
    );
    expect(loggedIn.code, loggedIn.stderr).toBe(0);

    const follower = spawn(process.execPath, ['libs/cli/bin/berth.js', 'events', '1', '--follow'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    follower.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    follower.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await within(10_000, 'the newest event printed', () => Promise.resolve(stdout !== ''));

      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
      expect(follower.exitCode, stderr).toBeNull();
      await addAccount('after-quiet');
      await within(10_000, 'an event made after 6 quiet minutes', () =>
        Promise.resolve(stdout.includes('after-quiet')),
      );
      expect(stderr).toBe(''); // it never had to reconnect

      // A restart on the same data and port; an event made before the CLI is back is not lost.
      await berth.halt();
      berth = await spawnBerth({ BERTH_ADMIN_PASSWORD: PASSWORD }, berth);
      await addAccount('during-gap');
      await addAccount('after-restart');
      await within(30_000, 'events made across the restart', () =>
        Promise.resolve(stdout.includes('during-gap') && stdout.includes('after-restart')),
      );
      expect(stderr).toMatch(/resuming in/);
      expect(follower.exitCode).toBeNull();

      const printed = stdout
        .trim()
        .split('\n')
        .map((l) => Number(l.split(' ')[0]));
      expect(new Set(printed).size).toBe(printed.length); // nothing twice
      const api = apiClient(berth.url, () => token);
      const token = await login(berth.url, 'admin', PASSWORD);
      const first = printed[0] ?? 0;
      const last = printed.at(-1) ?? 0;
      let expected: number[] = [];
      await within(10_000, 'the read model up to the last printed event', async () => {
        const all = (await api.get<{ position: number }[]>('/api/events?count=1000')).body;
        expected = all
          .map((e) => e.position)
          .filter((p) => p >= first && p <= last)
          .sort((a, b) => a - b);
        return expected.at(-1) === last;
      });
      expect(printed).toEqual(expected); // nothing lost, in order
    } finally {
      follower.kill('SIGINT');
    }
  },
  QUIET_MS + 120_000,
);
