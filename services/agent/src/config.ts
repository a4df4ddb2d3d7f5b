import { hostname } from 'node:os';
import { z } from 'zod';
import { optionalString, parseEnv } from '@berth/config';
import { EngineAddr, EngineId } from '@berth/contracts';

const Env = z.object({
  BERTH_ETCD_URL: z.string().min(1, 'BERTH_ETCD_URL is required'),
  BERTH_AGENT_ID: EngineId.default(hostname()),
  /** The Docker API as other hosts reach it; detected (address + BERTH_DOCKER_PORT) when unset. */
  BERTH_DOCKER_URL: EngineAddr.optional(),
  BERTH_AGENT_ADDRESS: optionalString(),
  BERTH_DOCKER_PORT: z.coerce.number().int().min(1).max(65535).default(2375),
  BERTH_AGENT_LABELS: z.string().default(''),
  BERTH_LEASE_TTL_SECONDS: z.coerce.number().int().min(1).default(10),
  BERTH_LOG_LEVEL: z.string().default('info'),
});

export const readConfig = (env: Record<string, string | undefined>) => {
  const e = parseEnv(Env, env);
  return {
    etcdUrl: e.BERTH_ETCD_URL,
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
