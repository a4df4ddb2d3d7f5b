import { z } from 'zod';

/**
 * Parses an environment with a zod schema and fails with every bad variable named.
 * Each service's config module calls this once; nothing else reads `process.env`.
 */
export const parseEnv = <S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> => {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new Error(`invalid configuration: ${problems.join('; ')}`);
};

/** A TCP port from an environment variable. */
export const port = (fallback: number) =>
  z.coerce.number().int().min(0).max(65535).default(fallback);

/** An optional string; empty means unset. */
export const optionalString = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : v));

/**
 * How a cluster-mode process reaches NATS: `BERTH_NATS_URL` with the user and password the
 * servers require (`BERTH_NATS_USER`, `BERTH_NATS_PASSWORD`), and a CA to check their TLS
 * certificates against (`BERTH_NATS_TLS_CA`) when they speak TLS. The result is `connect`'s
 * options; never log it.
 */
export const NatsEnv = z
  .object({
    BERTH_NATS_URL: z.string().min(1, 'BERTH_NATS_URL is required in cluster mode'),
    BERTH_NATS_USER: optionalString(),
    BERTH_NATS_PASSWORD: optionalString(),
    BERTH_NATS_TLS_CA: optionalString(),
  })
  .refine((e) => (e.BERTH_NATS_USER === undefined) === (e.BERTH_NATS_PASSWORD === undefined), {
    message: 'BERTH_NATS_USER and BERTH_NATS_PASSWORD go together',
    path: ['BERTH_NATS_PASSWORD'],
  })
  .transform((e) => ({
    // Several URLs (a NATS cluster), comma-separated: the client fails over between them.
    servers: e.BERTH_NATS_URL.split(',').map((url) => url.trim()),
    ...(e.BERTH_NATS_USER === undefined
      ? {}
      : { user: e.BERTH_NATS_USER, pass: e.BERTH_NATS_PASSWORD ?? '' }),
    ...(e.BERTH_NATS_TLS_CA === undefined ? {} : { tls: { caFile: e.BERTH_NATS_TLS_CA } }),
  }));
export type NatsAccessConfig = z.infer<typeof NatsEnv>;

/**
 * How a cluster-mode process reaches etcd: `BERTH_ETCD_URL` (comma-separated endpoints), with
 * `BERTH_ETCD_USER` and `BERTH_ETCD_PASSWORD` when etcd has authentication enabled. The result
 * is the `Etcd3` client's options; never log it.
 */
export const EtcdEnv = z
  .object({
    BERTH_ETCD_URL: z.string().min(1, 'BERTH_ETCD_URL is required in cluster mode'),
    BERTH_ETCD_USER: optionalString(),
    BERTH_ETCD_PASSWORD: optionalString(),
  })
  .refine((e) => (e.BERTH_ETCD_USER === undefined) === (e.BERTH_ETCD_PASSWORD === undefined), {
    message: 'BERTH_ETCD_USER and BERTH_ETCD_PASSWORD go together',
    path: ['BERTH_ETCD_PASSWORD'],
  })
  .transform((e) => ({
    hosts: e.BERTH_ETCD_URL.split(',').map((url) => url.trim()),
    ...(e.BERTH_ETCD_USER === undefined
      ? {}
      : { auth: { username: e.BERTH_ETCD_USER, password: e.BERTH_ETCD_PASSWORD ?? '' } }),
  }));
export type EtcdAccessConfig = z.infer<typeof EtcdEnv>;

const QuotaEnv = z.object({
  BERTH_DEFAULT_QUOTA_REPLICAS: z.coerce.number().int().min(0).default(50),
  BERTH_DEFAULT_QUOTA_CPUS: z.coerce.number().min(0).default(8),
  BERTH_DEFAULT_QUOTA_MEMORY_MB: z.coerce.number().int().min(0).default(16_384),
});

/**
 * The quota of a `user` whose limits no admin set: `BERTH_DEFAULT_QUOTA_REPLICAS` (50),
 * `BERTH_DEFAULT_QUOTA_CPUS` (8) and `BERTH_DEFAULT_QUOTA_MEMORY_MB` (16384). The scheduler
 * enforces it and the projector shows it, so both read it here.
 */
export const readQuotaDefaults = (env: Record<string, string | undefined>) => {
  const e = parseEnv(QuotaEnv, env);
  return {
    replicas: e.BERTH_DEFAULT_QUOTA_REPLICAS,
    cpus: e.BERTH_DEFAULT_QUOTA_CPUS,
    memory: e.BERTH_DEFAULT_QUOTA_MEMORY_MB,
  };
};
