import { z } from 'zod';
import { optionalString, parseEnv } from '@berth/config';

const Env = z.object({
  BERTH_ADMIN_USER: z.string().default('admin'),
  BERTH_ADMIN_PASSWORD: optionalString(),
});

/** The first admin: BERTH_ADMIN_USER (admin) and BERTH_ADMIN_PASSWORD (generated when unset). */
export const readAdminConfig = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env, env);
  return { username: e.BERTH_ADMIN_USER, password: e.BERTH_ADMIN_PASSWORD };
};
