import type { Hono } from 'hono';
import { isJoinToken, joinProof, joinToken, type SecretKey } from '@berth/auth';
import { JoinEngineBody, type Session } from '@berth/contracts';
import { RateLimitedError, UnauthenticatedError, UnavailableError } from '@berth/errors';
import type { Gateway } from '../gateway.js';
import type { TrustedProxies } from '../login/client-address.js';
import type { LoginGuard } from '../login/guard.js';
import { jsonBody } from '../validate.js';
import { callerAddress } from './auth.js';

type Env = { Variables: { session: Session } };

/**
 * Agents join through the API: an agent on a host that cannot reach etcd presents the join token
 * and its facts, and repeats that within its ttl to stay an engine. The token is checked here
 * (a wrong one is refused without touching etcd or the log, so anonymous callers cannot grow
 * either) and by the registry, which only ever sees a proof made from it. Guessing the token
 * meets the login limits: each wrong try counts, per address and per (`join-token`, address).
 * A right one is not counted: it is a 256-bit secret, so only wrong tries need a limit, and an
 * agent's renewals must not wait on the counters (a NATS node dying can hold them for seconds).
 */
export const agentRoutes = (
  app: Hono<Env>,
  gateway: Gateway,
  options: {
    secretKey: () => SecretKey | undefined;
    guard: LoginGuard;
    trustedProxies: TrustedProxies;
  },
) => {
  const key = () => {
    const k = options.secretKey();
    if (k === undefined) throw new UnavailableError('berth is still starting');
    return k;
  };

  // Under /api/agents: admins only (see access.ts).
  app.get('/api/agents/join-token', (c) => c.json({ token: joinToken(key()) }));

  app.post('/agents/join', async (c) => {
    const { token, ttlSeconds, ...engine } = await jsonBody(c, JoinEngineBody);
    if (!isJoinToken(key(), token)) {
      const waitMs = await options.guard.admit(
        'join-token',
        callerAddress(c, options.trustedProxies),
      );
      if (waitMs > 0) {
        const seconds = Math.ceil(waitMs / 1000);
        c.header('Retry-After', String(seconds));
        throw new RateLimitedError(`too many wrong join tokens; try again in ${seconds} s`);
      }
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
