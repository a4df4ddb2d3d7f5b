import { AsyncLocalStorage } from 'node:async_hooks';
import { createMiddleware } from 'hono/factory';
import type { Session } from '@berth/contracts';
import { ValidationError } from '@berth/errors';
import { idempotentCommandId, newCommandId } from '@berth/ids';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Request = { scope: string; key: string; sent: number };
const current = new AsyncLocalStorage<Request>();

/**
 * The id of the next command this request sends: derived from the request's
 * `Idempotency-Key` and account (so a retried request is the same command, and the bus and
 * handlers answer its first outcome), else a fresh one.
 */
export const nextCommandId = (): string => {
  const request = current.getStore();
  if (request === undefined) return newCommandId();
  return idempotentCommandId(request.scope, request.key, request.sent++);
};

/** Checks `Idempotency-Key` on POST and DELETE, and keys the request's commands with it. */
export const idempotency = createMiddleware<{ Variables: { session: Session } }>(
  async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined || !['POST', 'DELETE'].includes(c.req.method)) return next();
    if (!UUID.test(key))
      throw new ValidationError('Idempotency-Key must be a UUID', { field: 'Idempotency-Key' });
    const session = c.get('session') as Session | undefined;
    // Without a session (logging in) nothing may be replayed: a login's outcome is a new token.
    if (session === undefined) return next();
    // The same key on another route is another command, not that route's answer to a retry.
    const scope = `${session.accountId} ${c.req.method} ${c.req.path}`;
    await current.run({ scope, key, sent: 0 }, next);
  },
);
