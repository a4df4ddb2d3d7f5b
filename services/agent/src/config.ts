import { hostname } from 'node:os';
import { z } from 'zod';
import { EtcdEnv, optionalString, parseEnv } from '@berth/config';
import { EngineAddr, EngineId } from '@berth/contracts';

const Env = z
  .object({
    /** Join through Berth's API (http://berth:5002) … */
    BERTH_URL: optionalString(),
    /** … or write the registration to etcd directly (with BERTH_ETCD_USER/PASSWORD if set). */
    BERTH_ETCD_URL: optionalString(),
    BERTH_JOIN_TOKEN: z.string().min(1, 'BERTH_JOIN_TOKEN is required (berth engine join-token)'),
    BERTH_AGENT_ID: EngineId.default(hostname()),
    /** The Docker API as other hosts reach it; detected (address + BERTH_DOCKER_PORT) when unset. */
    BERTH_DOCKER_URL: EngineAddr.optional(),
    BERTH_AGENT_ADDRESS: optionalString(),
    BERTH_DOCKER_PORT: z.coerce.number().int().min(1).max(65535).default(2375),
    BERTH_AGENT_LABELS: z.string().default(''),
    BERTH_LEASE_TTL_SECONDS: z.coerce.number().int().min(2).max(300).default(10),
    BERTH_LOG_LEVEL: z.string().default('info'),
  })
  .refine((e) => (e.BERTH_URL === undefined) !== (e.BERTH_ETCD_URL === undefined), {
    message: 'set exactly one of BERTH_URL (join through the API) and BERTH_ETCD_URL',
    path: ['BERTH_URL'],
  });

export const readConfig = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env, env);
  return {
    join:
      e.BERTH_URL === undefined
        ? { via: 'etcd' as const, etcd: parseEnv(EtcdEnv, env) }
        : { via: 'api' as const, url: e.BERTH_URL.replace(/\/+$/, '') },
    token: e.BERTH_JOIN_TOKEN,
    id: e.BERTH_AGENT_ID,
    dockerUrl: e.BERTH_DOCKER_URL,
    address: e.BERTH_AGENT_ADDRESS,
    dockerPort: e.BERTH_DOCKER_PORT,
    labels: e.BERTH_AGENT_LABELS.split(',')
      .map((l) => l.trim())
      .filter(Boolean),
    leaseTtlSeconds: e.BERTH_LEASE_TTL_SECONDS,
    logLevel: e.BERTH_LOG_LEVEL,
  };
};
