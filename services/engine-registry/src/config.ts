import { z } from 'zod';
import { parseEnv } from '@berth/config';

const Env = z.object({
  BERTH_ETCD_URL: z.string().min(1, 'BERTH_ETCD_URL is required in cluster mode'),
});

export const readConfig = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env, env);
  return { etcdUrl: e.BERTH_ETCD_URL };
};
