import { z } from 'zod';
import type { Role } from './accounts.js';
import { Name } from './ids.js';
import { commandSchema } from './messages.js';

/**
 * What an admin sets for an account: the most replicas, CPUs and MB of memory its live groups
 * may reserve together. `null` (or absent) is the default for the account's role.
 */
export const QuotaLimits = z.strictObject({
  replicas: z.number().int().min(0).max(100_000).nullable(),
  cpus: z
    .number()
    .min(0)
    .max(1_000_000)
    .refine((n) => Number.isInteger(Math.round(n * 1e6) / 1e3), 'at most three decimals')
    .nullable(),
  memory: z
    .number()
    .int()
    .min(0)
    .max(1024 * 1024 * 1024)
    .nullable(),
});
export type QuotaLimits = z.infer<typeof QuotaLimits>;
export const NO_LIMITS_SET: QuotaLimits = { replicas: null, cpus: null, memory: null };

/** `PUT /api/accounts/:username/quota`: the whole quota; a field left out is its default. */
export const SetQuotaBody = z.strictObject({
  replicas: QuotaLimits.shape.replicas.optional(),
  cpus: QuotaLimits.shape.cpus.optional(),
  memory: QuotaLimits.shape.memory.optional(),
});

export const SetAccountQuota = commandSchema(
  'SetAccountQuota',
  z.strictObject({ username: Name, limits: QuotaLimits }),
);
export type SetAccountQuota = z.infer<typeof SetAccountQuota>;

/** The limits in force: a number, or `null` for none. */
export const Quota = z.object({
  replicas: z.number().nullable(),
  cpus: z.number().nullable(),
  memory: z.number().nullable(),
});
export type Quota = z.infer<typeof Quota>;
/** What an account's live groups reserve: their desired replicas times each one's CPUs and MB. */
export const Usage = z.object({ replicas: z.number(), cpus: z.number(), memory: z.number() });
export type Usage = z.infer<typeof Usage>;
/** The limits of a `user` whose quota an admin left unset; admins have none unless set. */
export type QuotaDefaults = Usage;

/** The quota in force for an account of `role` with these limits set. */
export const quotaOf = (set: QuotaLimits, role: Role, defaults: QuotaDefaults): Quota => {
  const fallback = (field: keyof Quota) => (role === 'admin' ? null : defaults[field]);
  return {
    replicas: set.replicas ?? fallback('replicas'),
    cpus: set.cpus ?? fallback('cpus'),
    memory: set.memory ?? fallback('memory'),
  };
};

// Thousandths of a CPU are the finest a spec has: sums are rounded there, not left at 0.30000000000000004.
const roundCpus = (n: number) => Math.round(n * 1000) / 1000;

/** What `count` replicas of a spec reserve (a negative count gives it back). */
export const reservationOf = (count: number, spec: { cpus: number; memory: number }): Usage => ({
  replicas: count,
  cpus: roundCpus(count * spec.cpus),
  memory: count * spec.memory,
});

export const plus = (a: Usage, b: Usage): Usage => ({
  replicas: a.replicas + b.replicas,
  cpus: roundCpus(a.cpus + b.cpus),
  memory: a.memory + b.memory,
});

export const NOTHING_USED: Usage = { replicas: 0, cpus: 0, memory: 0 };

/** What these groups reserve together (a group counts its desired replicas, placed or not). */
export const usageOf = (
  groups: Iterable<{ desired: number; spec: { cpus: number; memory: number } }>,
): Usage => {
  let usage = NOTHING_USED;
  for (const { desired, spec } of groups) usage = plus(usage, reservationOf(desired, spec));
  return usage;
};

/** What a client reads of an account's quota: the limits in force and what is reserved. */
export const AccountQuota = z.object({ quota: Quota, usage: Usage });
export type AccountQuota = z.infer<typeof AccountQuota>;
