import { z } from 'zod';
import { parseEnv } from '@berth/config';
import { parseTrustedProxies } from './client-address.js';
import { DEFAULT_LOGIN_LIMITS, type LoginLimits } from './policy.js';

const count = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

const Env = z
  .object({
    BERTH_LOGIN_FREE_ATTEMPTS: count(DEFAULT_LOGIN_LIMITS.freeAttempts),
    BERTH_LOGIN_FIRST_DELAY_MS: count(DEFAULT_LOGIN_LIMITS.firstDelayMs),
    BERTH_LOGIN_MAX_DELAY_MS: count(DEFAULT_LOGIN_LIMITS.maxDelayMs),
    BERTH_LOGIN_ADDRESS_LIMIT: count(DEFAULT_LOGIN_LIMITS.perAddressPerMinute),
    BERTH_TRUSTED_PROXIES: z
      .string()
      .default('')
      .transform((list, ctx) => {
        try {
          return parseTrustedProxies(list);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
  })
  .refine((e) => e.BERTH_LOGIN_MAX_DELAY_MS >= e.BERTH_LOGIN_FIRST_DELAY_MS, {
    message: 'must be at least BERTH_LOGIN_FIRST_DELAY_MS',
    path: ['BERTH_LOGIN_MAX_DELAY_MS'],
  });

/** The login limits and trusted proxies from the environment (shared with one-machine mode). */
export const readLoginSettings = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env, env);
  const limits: LoginLimits = {
    freeAttempts: e.BERTH_LOGIN_FREE_ATTEMPTS,
    firstDelayMs: e.BERTH_LOGIN_FIRST_DELAY_MS,
    maxDelayMs: e.BERTH_LOGIN_MAX_DELAY_MS,
    perAddressPerMinute: e.BERTH_LOGIN_ADDRESS_LIMIT,
  };
  // A counter idle for twice the longest wait (or the address minute) is pruned.
  return {
    limits,
    countersTtlMs: 2 * Math.max(limits.maxDelayMs, 60_000),
    trustedProxies: e.BERTH_TRUSTED_PROXIES,
  };
};
export type LoginSettings = ReturnType<typeof readLoginSettings>;
