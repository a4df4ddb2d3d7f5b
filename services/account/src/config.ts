import { z } from 'zod';
import { Password, Username } from '@berth/contracts';
import { optionalString, parseEnv } from '@berth/config';

// The first admin meets the same rules as every account: a weak password fails the start.
const Env = z.object({
  BERTH_ADMIN_USER: Username.default('admin'),
  BERTH_ADMIN_PASSWORD: optionalString().pipe(Password.optional()),
});

/** The first admin: BERTH_ADMIN_USER (admin) and BERTH_ADMIN_PASSWORD (generated when unset). */
export const readAdminConfig = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env, env);
  return { username: e.BERTH_ADMIN_USER, password: e.BERTH_ADMIN_PASSWORD };
};
