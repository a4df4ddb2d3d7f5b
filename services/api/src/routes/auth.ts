import type { Hono } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { ChangePasswordBody, LoginBody, type Session } from '@berth/contracts';
import { newToken, tokenHash } from '@berth/auth';
import { RateLimitedError, UnauthenticatedError } from '@berth/errors';
import type { Gateway } from '../gateway.js';
import { clientAddress, type TrustedProxies } from '../login/client-address.js';
import type { LoginGuard } from '../login/guard.js';
import { jsonBody } from '../validate.js';

export type AuthOptions = {
  tokenTtlMs: number;
  guard: LoginGuard;
  trustedProxies: TrustedProxies;
};
type Env = { Variables: { session: Session } };

const peerOf = (c: Parameters<typeof getConnInfo>[0]) => {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // not behind a node server (app.request in tests)
  }
};

/** The client's address: the connection's, or what a trusted proxy in front says it is. */
export const callerAddress = (c: Parameters<typeof getConnInfo>[0], proxies: TrustedProxies) =>
  clientAddress(peerOf(c), c.req.header('x-forwarded-for'), proxies);

/** Reads the token from `Authorization: Bearer` or the thesis' `X-Access-Token: user:token`. */
export const credentialsOf = (headers: {
  authorization?: string | undefined;
  access?: string | undefined;
}) => {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return { token: bearer, username: undefined };
  const access = headers.access ?? '';
  const colon = access.indexOf(':');
  if (colon > 0)
    return { token: access.slice(colon + 1).trim(), username: access.slice(0, colon).trim() };
  return undefined;
};

/**
 * Resolves the caller's session or throws 401; every route but login and healthz needs one.
 * `head` gives the log's head: with several projectors, the one that answers may not yet know a
 * session made a moment ago (through another), so an unknown token is asked again at the head
 * before it is refused.
 */
export const authenticate = async (
  gateway: Gateway,
  headers: Parameters<typeof credentialsOf>[0],
  head?: () => Promise<number>,
) => {
  const credentials = credentialsOf(headers);
  if (
    credentials === undefined ||
    credentials.token.length === 0 ||
    credentials.token.length > 256
  ) {
    throw new UnauthenticatedError('a token is required: Authorization: Bearer <token>');
  }
  const resolve = (atLeast?: number) =>
    gateway.query<Session | null>('ResolveToken', {
      tokenHash: tokenHash(credentials.token),
      ...(atLeast === undefined ? {} : { atLeast }),
    });
  let session = await resolve();
  if (session === null && head !== undefined) session = await resolve(await head());
  const nameMatches =
    credentials.username === undefined ||
    credentials.username.toLowerCase() === session?.username.toLowerCase();
  if (session === null || !nameMatches)
    throw new UnauthenticatedError('the token is invalid or has expired');
  return session;
};

export const authRoutes = (app: Hono<Env>, gateway: Gateway, options: AuthOptions) => {
  app.post('/auth/login', async (c) => {
    const { username, password } = await jsonBody(c, LoginBody);
    const source = callerAddress(c, options.trustedProxies);
    // Counted before the password is checked, so parallel guesses cannot pass the limit.
    const waitMs = await options.guard.admit(username, source);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      c.header('Retry-After', String(seconds));
      throw new RateLimitedError(`too many failed logins; try again in ${seconds} s`);
    }
    const token = newToken();
    const expiresAt = new Date(Date.now() + options.tokenTtlMs).toISOString();
    const { position } = await gateway.command(
      'Login',
      { username, password, source, token, expiresAt },
      username,
    );
    await options.guard.succeeded(username, source);
    // Wait for the read model to know the session, so the token works on the next request.
    await gateway.query('ResolveToken', { tokenHash: tokenHash(token), atLeast: position });
    return c.json({ token, expiresAt });
  });

  // Ends the session of the token it is called with; the account's other tokens keep working.
  app.post('/auth/logout', async (c) => {
    const headers = {
      authorization: c.req.header('authorization'),
      access: c.req.header('x-access-token'),
    };
    const session = await authenticate(gateway, headers);
    const token = credentialsOf(headers)?.token ?? '';
    const { position } = await gateway.command(
      'Logout',
      { username: session.username, tokenHash: tokenHash(token) },
      session.username,
    );
    // Wait for the read model to forget the session, so the token fails on the next request.
    await gateway.query('ListAccounts', { atLeast: position });
    return c.body(null, 204);
  });

  app.post('/account/passwdchange', async (c) => {
    const session = c.get('session');
    const body = await jsonBody(c, ChangePasswordBody);
    const { position } = await gateway.command(
      'ChangePassword',
      { username: session.username, ...body },
      session.username,
    );
    await gateway.query('ListAccounts', { atLeast: position });
    return c.body(null, 204);
  });
};
