import type { Hono } from 'hono';
import { isJoinToken, joinProof, joinToken, type SecretKey } from '@berth/auth';
import { JoinEngineBody, type Session } from '@berth/contracts';
import { RateLimitedError, UnauthenticatedError, UnavailableError } from '@berth/errors';
import type { Gateway } from '../gateway.js';
import { FailureLimiter } from '../rate-limit.js';
import { jsonBody } from '../validate.js';
import { sourceOf } from './auth.js';

type Env = { Variables: { session: Session } };

/**
 * Agents join through the API: an agent on a host that cannot reach etcd presents the join token
 * and its facts, and repeats that within its ttl to stay an engine. The token is checked here
 * (a wrong one is refused without touching etcd or the log, so anonymous callers cannot grow
 * either) and by the registry, which only ever sees a proof made from it.
 */
export const agentRoutes = (
  app: Hono<Env>,
  gateway: Gateway,
  secretKey: () => SecretKey | undefined,
) => {
  const wrongTokens = new FailureLimiter(10, 60_000);
  const key = () => {
    const k = secretKey();
    if (k === undefined) throw new UnavailableError('berth is still starting');
    return k;
  };

  // Under /api/agents: admins only (see access.ts).
  app.get('/api/agents/join-token', (c) => c.json({ token: joinToken(key()) }));

  app.post('/agents/join', async (c) => {
    const source = sourceOf(c);
    const wait = wrongTokens.retryAfter(source);
    if (wait > 0) {
      c.header('Retry-After', String(Math.ceil(wait / 1000)));
      throw new RateLimitedError(
        `too many wrong join tokens; try again in ${Math.ceil(wait / 1000)} s`,
      );
    }
    const { token, ttlSeconds, ...engine } = await jsonBody(c, JoinEngineBody);
    if (!isJoinToken(key(), token)) {
      wrongTokens.fail(source);
      throw new UnauthenticatedError(
        'wrong join token (`berth engine join-token` prints the right one)',
        { field: 'token' },
      );
    }
    const registration = { ...engine, proof: joinProof(token, engine) };
    await gateway.command('JoinEngine', { registration, ttlSeconds }, `agent:${engine.id}`);
    return c.json({ id: engine.id, ttlSeconds }, 202);
  });
};
