import { z } from 'zod';
import { parseSecretKey } from '@berth/auth';
import { parseEnv } from '@berth/config';

const Env = z.object({
  BERTH_ETCD_URL: z.string().min(1, 'BERTH_ETCD_URL is required in cluster mode'),
  BERTH_SECRET_KEY: z
    .string()
    .min(1, 'BERTH_SECRET_KEY (32 bytes, base64) is required in cluster mode'),
});

export const readConfig = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env, env);
  return { etcdUrl: e.BERTH_ETCD_URL, secretKey: parseSecretKey(e.BERTH_SECRET_KEY) };
};
