// The standalone Berth (what `npm start` runs) as the benches drive it: on a free port with its
// own data directory and the local engine, through its HTTP API.
import { randomBytes } from 'node:crypto';
import { spawnBerth } from '@berth/testkit/berth-process';
import { removeLabelled, sleep } from './docker-cli.js';

type Engine = { id: string; health: { status: string } };

export type BenchBerth = {
  url: string;
  /** One authenticated JSON call; a non-2xx status throws with its body. */
  api: <T>(method: string, path: string, body?: unknown) => Promise<T>;
  output: () => string;
  /** Groups made and not yet emptied: removed by `stop`. */
  groups: Set<string>;
  /** Stops it, then force-removes what its groups left; says what it removed. */
  stop: () => Promise<string[]>;
};

/** Starts it and waits until the local engine is healthy. */
export const startBerth = async (env: Record<string, string> = {}): Promise<BenchBerth> => {
  const password = randomBytes(18).toString('base64url');
  const spawned = await spawnBerth({
    BERTH_LOCAL_ENGINE: 'auto',
    BERTH_ADMIN_USER: 'admin',
    BERTH_ADMIN_PASSWORD: password,
    ...env,
  });
  let token = '';
  const groups = new Set<string>();
  const berth: BenchBerth = {
    url: spawned.url,
    output: () => spawned.output().slice(-4000),
    groups,
    api: async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${spawned.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      if (!response.ok)
        throw new Error(`Berth: ${method} ${path} answered ${response.status} ${text}`);
      return (text === '' ? undefined : JSON.parse(text)) as T;
    },
    stop: async () => {
      await spawned.stop();
      // Berth is stopped, so nothing replaces what is removed here.
      const notes: string[] = [];
      for (const group of groups) {
        const removed = await removeLabelled(`berth.group=${group}`).catch(() => 0);
        if (removed > 0) notes.push(`force-removed ${removed} containers of Berth group ${group}`);
      }
      groups.clear();
      return notes;
    },
  };
  const failed = (what: string) =>
    new Error(`${what}\n--- Berth output (tail) ---\n${berth.output().trim()}`);
  try {
    if (spawned.statuses.at(-1) !== 200) throw failed('Berth: /healthz not 200 within 30 s');
    const login = await fetch(`${spawned.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
      signal: AbortSignal.timeout(10_000),
    });
    if (login.status !== 200) throw failed(`Berth: login answered ${login.status}`);
    token = ((await login.json()) as { token: string }).token;

    const engineDeadline = Date.now() + 30_000;
    for (;;) {
      const engines = await berth.api<Engine[]>('GET', '/api/engines');
      if (engines.some((e) => e.id === 'local' && e.health.status === 'healthy')) break;
      if (Date.now() > engineDeadline)
        throw failed(`Berth: engine local not healthy within 30 s: ${JSON.stringify(engines)}`);
      await sleep(100);
    }
  } catch (error) {
    await spawned.stop();
    throw error;
  }
  return berth;
};
