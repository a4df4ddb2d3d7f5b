import { z } from 'zod';
import { EtcdEnv, parseEnv, port } from '@berth/config';
import { DEFAULT_ROUTER, type RouterConfig } from './start.js';

const Env = z.object({
  BERTH_ROUTER_HOST: z.string().default('0.0.0.0'),
  BERTH_ROUTER_PORT: port(DEFAULT_ROUTER.port),
  BERTH_ROUTER_DOMAIN: z.string().min(1).default(DEFAULT_ROUTER.domain),
  BERTH_ROUTER_DIR: z.string().default('./data/router'),
  BERTH_ROUTER_DRAIN_MS: z.coerce.number().int().min(0).default(DEFAULT_ROUTER.drainMs),
});

export const readConfig = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env, env);
  const router: RouterConfig = {
    ...DEFAULT_ROUTER,
    host: e.BERTH_ROUTER_HOST,
    port: e.BERTH_ROUTER_PORT,
    domain: e.BERTH_ROUTER_DOMAIN,
    dir: e.BERTH_ROUTER_DIR,
    drainMs: e.BERTH_ROUTER_DRAIN_MS,
  };
  return { etcd: parseEnv(EtcdEnv, env), router };
};
