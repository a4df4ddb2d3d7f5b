import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** An error answer of the API; `status` lets a command tell "not found" from the rest. */
export class HttpError extends CliError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'HttpError';
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

export const forgetLogin = (env: NodeJS.ProcessEnv) => rmSync(loginFile(env), { force: true });

/** Berth could not be reached (refused, reset, DNS): the request may not have arrived. */
export class UnreachableError extends CliError {
  override name = 'UnreachableError';
}

/** Same origin and path, however it was spelled: a token is only ever sent where it was issued. */
export const sameServer = (a: string, b: string) => {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    return (
      x.origin === y.origin && x.pathname.replace(/\/+$/, '') === y.pathname.replace(/\/+$/, '')
    );
  } catch {
    return false;
  }
};

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const RETRY_AFTER_MS = 500;

/** The Berth HTTP API as the CLI uses it: JSON in, JSON out, errors as CliError. */
export class Client {
  constructor(
    readonly url: string,
    private readonly token: string | undefined,
  ) {}

  /** The headers every request carries: its credentials. */
  headers(): Record<string, string> {
    return this.token === undefined ? {} : { authorization: `Bearer ${this.token}` };
  }

  /**
   * The raw response of a request; fails when Berth cannot be reached. A mutating request
   * carries an `Idempotency-Key`, and is sent once more with the same key when the connection
   * failed: the server answers a repeated key with the first outcome, so nothing happens twice.
   */
  async open(method: string, path: string, body?: unknown): Promise<Response> {
    const key = MUTATING.has(method) ? randomUUID() : undefined;
    try {
      return await this.send(method, path, body, key);
    } catch (error) {
      if (!(error instanceof UnreachableError) || key === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_MS));
      return this.send(method, path, body, key);
    }
  }

  private async send(method: string, path: string, body: unknown, key: string | undefined) {
    try {
      return await fetch(new URL(path, this.url), {
        method,
        headers: {
          'content-type': 'application/json',
          ...this.headers(),
          ...(key === undefined ? {} : { 'idempotency-key': key }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = (error as Error).cause;
      throw new UnreachableError(
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
    if (!response.ok) return this.fail(response);
    const text = await response.text();
    return { body: (text === '' ? undefined : JSON.parse(text)) as T, headers: response.headers };
  }

  /** Throws the API's error answer as one line: its message, else the HTTP status. */
  async fail(response: Response): Promise<never> {
    return this.failWith(response.status, await response.text().catch(() => ''));
  }

  failWith(status: number, text: string): never {
    let problem: { message?: string } | undefined;
    try {
      problem = (JSON.parse(text) as { error?: { message?: string } } | undefined)?.error;
    } catch {
      problem = undefined; // not JSON (a proxy's page, say): the status says enough
    }
    const hint =
      status === 401 && this.token !== undefined ? ' (log in again with `berth login`)' : '';
    throw new HttpError(`${problem?.message ?? `HTTP ${status}`}${hint}`, status);
  }
}
