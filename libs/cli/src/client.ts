import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** A failure the CLI reports as one line and a non-zero exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export type Saved = { url: string; username: string; token: string; expiresAt: string };

/** `$XDG_CONFIG_HOME/berth/login.json` (or ~/.config/…), readable by this user only. */
export const loginFile = (env: NodeJS.ProcessEnv) =>
  join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'berth', 'login.json');

export const loadLogin = (env: NodeJS.ProcessEnv): Saved | undefined => {
  try {
    return JSON.parse(readFileSync(loginFile(env), 'utf8')) as Saved;
  } catch {
    return undefined;
  }
};

export const saveLogin = (env: NodeJS.ProcessEnv, saved: Saved) => {
  const file = loginFile(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(saved), { mode: 0o600 });
  chmodSync(file, 0o600);
};

/** The Berth HTTP API as the CLI uses it: JSON in, JSON out, errors as CliError. */
export class Client {
  constructor(
    readonly url: string,
    private readonly token: string | undefined,
  ) {}

  /** The raw response of a request, for streams; fails when Berth cannot be reached. */
  async open(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(new URL(path, this.url), {
        method,
        headers: {
          'content-type': 'application/json',
          ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = (error as Error).cause;
      throw new CliError(
        `cannot reach Berth at ${this.url}: ${cause instanceof Error ? cause.message : String(error)}`,
      );
    }
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ body: T; headers: Headers }> {
    const response = await this.open(method, path, body);
    const text = await response.text();
    const json = text === '' ? undefined : (JSON.parse(text) as unknown);
    if (!response.ok) {
      const problem = (json as { error?: { message?: string; field?: string } } | undefined)?.error;
      const hint =
        response.status === 401 && this.token !== undefined
          ? ' (log in again with `berth login`)'
          : '';
      throw new CliError(`${problem?.message ?? `HTTP ${response.status}`}${hint}`);
    }
    return { body: json as T, headers: response.headers };
  }
}
