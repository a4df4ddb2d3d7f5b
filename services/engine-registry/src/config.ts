import { z } from 'zod';
import { parseSecretKey } from '@berth/auth';
import { EtcdEnv, parseEnv } from '@berth/config';

const Env = z.object({
  BERTH_SECRET_KEY: z
    .string()
    .min(1, 'BERTH_SECRET_KEY (32 bytes, base64) is required in cluster mode'),
});

export const readConfig = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env, env);
  return { etcd: parseEnv(EtcdEnv, env), secretKey: parseSecretKey(e.BERTH_SECRET_KEY) };
};
