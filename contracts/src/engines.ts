import { z } from 'zod';
import { Name } from './ids.js';
import { commandSchema } from './messages.js';

export const EngineId = Name;

/**
 * One spelling per engine address, so the duplicate check sees through case, `localhost`,
 * leading zeros, `..` and trailing slashes; undefined when it is not an address at all.
 */
export const canonicalEngineAddr = (addr: string): string | undefined => {
  const tcp = /^tcp:\/\/([A-Za-z0-9.-]+):(\d{1,5})$/.exec(addr);
  if (tcp !== null) {
    const port = Number(tcp[2]);
    if (port < 1 || port > 65_535) return undefined;
    const host = (tcp[1] ?? '').toLowerCase().replace(/\.$/, '');
    return `tcp://${host === 'localhost' ? '127.0.0.1' : host}:${port}`;
  }
  const unix = /^unix:\/\/(\/[^\s]*)$/.exec(addr);
  if (unix === null) return undefined;
  const parts: string[] = [];
  for (const part of (unix[1] ?? '').split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '' && part !== '.') parts.push(part);
  }
  return parts.length === 0 ? undefined : `unix:///${parts.join('/')}`;
};

// Loopback, RFC 1918, link-local and shared (CGNAT) IPv4 ranges: base address and prefix length.
const PRIVATE_IPV4: readonly (readonly [base: number, bits: number])[] = [
  [0x7f000000, 8],
  [0x0a000000, 8],
  [0xac100000, 12],
  [0xc0a80000, 16],
  [0xa9fe0000, 16],
  [0x64400000, 10],
];

const ipv4Number = (host: string): number | undefined => {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255))
    return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
};

/**
 * Whether Berth drives this engine over plain TCP (no TLS) at an address that is not provably
 * private: anyone between Berth and it can then run containers there. A host name counts as
 * public, since Berth cannot tell where it resolves; `unix://` is local.
 */
export const isInsecureEngine = (addr: string, tls: boolean): boolean => {
  if (tls || !addr.startsWith('tcp://')) return false;
  const host = /^tcp:\/\/([^:/]+):\d+$/.exec(addr)?.[1] ?? '';
  const ip = ipv4Number(host);
  if (ip === undefined) return true;
  return !PRIVATE_IPV4.some(([base, bits]) => ip >>> (32 - bits) === base >>> (32 - bits));
};

export const EngineAddr = z
  .string()
  .max(256)
  .transform((addr, ctx) => {
    const canonical = canonicalEngineAddr(addr);
    if (canonical !== undefined) return canonical;
    ctx.addIssue({
      code: 'custom',
      message: 'must be tcp://host:port (port 1-65535) or unix:///path',
    });
    return z.NEVER;
  });

export const EngineLabels = z.array(z.string().min(1).max(64).regex(/^\S+$/, 'no spaces')).max(32);

const Pem = z
  .string()
  .min(1)
  .max(16_384)
  .regex(/-----BEGIN [A-Z ]+-----/, 'must be PEM');
export const TlsMaterial = z.strictObject({ cert: Pem, key: Pem, ca: Pem });

// --- HTTP ----------------------------------------------------------------------------------
export const AddEngineBody = z.strictObject({
  id: EngineId,
  addr: EngineAddr,
  cpus: z.number().positive().max(4096).optional(),
  memory: z
    .number()
    .int()
    .positive()
    .max(64 * 1024 * 1024)
    .optional(),
  labels: EngineLabels.default([]),
  tls: TlsMaterial.optional(),
});

export const HealthStatus = z.enum(['pending', 'healthy', 'unhealthy', 'lost']);
export type HealthStatus = z.infer<typeof HealthStatus>;

/** An engine as clients read it: never the TLS material, only whether there is some. */
export const Engine = z.object({
  id: z.string(),
  addr: z.string(),
  cpus: z.number(),
  memory: z.number(),
  labels: z.array(z.string()),
  health: z.object({
    status: HealthStatus,
    responseTimeMs: z.number().nullable(),
    checkedAt: z.string().nullable(),
  }),
  dockerVersion: z.string(),
  reservedCpus: z.number(),
  reservedMemory: z.number(),
  /** Measured by Docker stats: percent of `cpus` in use; null while no recent sample. */
  usedCpuPercent: z.number().nullable(),
  /** Measured: MB in use by the engine's running containers (page cache excluded). */
  usedMemory: z.number().nullable(),
  source: z.enum(['manual', 'agent']),
  tlsConfigured: z.boolean(),
  /** Plain TCP without TLS to an address outside the private ranges: anyone on the way can drive it. */
  insecure: z.boolean(),
  schedulable: z.boolean(),
});
export type Engine = z.infer<typeof Engine>;

/**
 * One sample of what an engine's running containers use, as its executor measured it with
 * Docker stats. It is telemetry, published on the bus and never appended: usage is not a fact
 * of the cluster's state and would fill the log.
 */
export const EngineUsageSample = z.object({
  engine: z.string().max(64),
  /** CPUs in use, summed over the running containers (1 = one CPU busy). */
  usedCpus: z.number().min(0),
  /** MB in use, summed over the running containers. */
  usedMemory: z.number().min(0),
  containers: z.number().int().min(0),
  sampledAt: z.iso.datetime(),
});
export type EngineUsageSample = z.infer<typeof EngineUsageSample>;

// --- Commands (engine-registry) ------------------------------------------------------------
export const AddEngine = commandSchema('AddEngine', AddEngineBody);
export const RemoveEngine = commandSchema('RemoveEngine', z.strictObject({ id: EngineId }));
export type AddEngine = z.infer<typeof AddEngine>;
export type RemoveEngine = z.infer<typeof RemoveEngine>;

/** What an agent writes under `berth/engines/<id>` in etcd, with its lease. */
export const AgentRegistration = z.object({
  id: EngineId,
  addr: EngineAddr,
  cpus: z.number().positive(),
  memory: z.number().int().positive(),
  labels: EngineLabels,
  leaving: z.boolean().optional(),
  /** `joinProof(token, {id, addr})`: the registry ignores a registration without a valid one. */
  proof: z.string().max(128).optional(),
});
export type AgentRegistration = z.infer<typeof AgentRegistration>;
export const AGENT_KEY_PREFIX = 'berth/engines/';

/** An agent joining (and staying joined) through the API: `POST /agents/join`, repeated. */
export const JoinEngineBody = z.strictObject({
  token: z.string().min(1).max(256),
  id: EngineId,
  addr: EngineAddr,
  cpus: z.number().positive().max(4096),
  memory: z
    .number()
    .int()
    .positive()
    .max(64 * 1024 * 1024),
  labels: EngineLabels.default([]),
  /** How long the registration lasts unless the agent joins again. */
  ttlSeconds: z.number().int().min(2).max(300).default(10),
  leaving: z.boolean().optional(),
});
export type JoinEngineBody = z.infer<typeof JoinEngineBody>;
export const JoinEngine = commandSchema(
  'JoinEngine',
  z.strictObject({ registration: AgentRegistration, ttlSeconds: z.number().int().min(2).max(300) }),
);
export type JoinEngine = z.infer<typeof JoinEngine>;

// --- Events --------------------------------------------------------------------------------
export const EngineEvents = {
  /** `tls` is sealed (AES-256-GCM with the cluster's secret key); the log never holds it clear. */
  EngineAdded: z.object({
    id: z.string(),
    addr: z.string(),
    cpus: z.number(),
    memory: z.number(),
    labels: z.array(z.string()),
    dockerVersion: z.string(),
    source: z.enum(['manual', 'agent']),
    tls: z.string().optional(),
    /** Why it was added: by hand, or registered (again) by its agent. */
    reason: z.string().optional(),
  }),
  EngineRemoved: z.object({ id: z.string(), reason: z.string() }),
  /** A registration in etcd without a valid join proof: it never becomes an engine. */
  EngineJoinRefused: z.object({ id: z.string(), addr: z.string(), reason: z.string() }),
  EngineLost: z.object({ id: z.string(), reason: z.string() }),
  /** On the heartbeat's `health-<id>` stream: a probe result that changed the engine's health. */
  EngineHealthChanged: z.object({
    id: z.string(),
    status: z.enum(['healthy', 'unhealthy']),
    responseTimeMs: z.number().nullable(),
    checkedAt: z.string(),
    reason: z.string(),
  }),
} as const;

export type EngineEvent = {
  [K in keyof typeof EngineEvents]: { type: K; data: z.infer<(typeof EngineEvents)[K]> };
}[keyof typeof EngineEvents];

export const engineStream = (id: string) => `engine-${id}`;
export const healthStream = (id: string) => `health-${id}`;
