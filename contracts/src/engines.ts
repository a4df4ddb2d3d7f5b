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
  source: z.enum(['manual', 'agent']),
  tlsConfigured: z.boolean(),
  schedulable: z.boolean(),
});
export type Engine = z.infer<typeof Engine>;

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
});
export type AgentRegistration = z.infer<typeof AgentRegistration>;
export const AGENT_KEY_PREFIX = 'berth/engines/';

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
