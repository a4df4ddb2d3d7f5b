import type { Quota, Usage } from '@berth/contracts';

/** The quota limit a request breaks, named by the request field that asked for too much. */
export type QuotaRefusal = { field: 'count' | 'cpus' | 'memory'; message: string };

const LIMITS = [
  { key: 'replicas', field: 'count', unit: 'replicas' },
  { key: 'cpus', field: 'cpus', unit: 'CPUs' },
  { key: 'memory', field: 'memory', unit: 'MB of memory' },
] as const;

/**
 * Whether an account that reserves `usage` may reserve `more` as well: undefined when every
 * limit holds, else the first one it would pass, with the limit and the usage in words.
 */
export const quotaRefusal = (quota: Quota, usage: Usage, more: Usage): QuotaRefusal | undefined => {
  for (const { key, field, unit } of LIMITS) {
    const limit = quota[key];
    // Rounded like the reservations, so three 0.1-CPU replicas fit a quota of 0.3.
    const wanted = Math.round((usage[key] + more[key]) * 1000) / 1000;
    if (limit === null || wanted <= limit) continue;
    return {
      field,
      message: `quota exceeded: at most ${limit} ${unit}, ${usage[key]} reserved, this asks for ${more[key]} more`,
    };
  }
  return undefined;
};
