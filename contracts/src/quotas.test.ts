import { describe, expect, it } from 'vitest';
import { NO_LIMITS_SET, quotaOf, SetQuotaBody, usageOf } from './quotas.js';

const defaults = { replicas: 50, cpus: 8, memory: 16_384 };

describe('quotas', () => {
  it("fills what an admin left unset with a user's defaults, and with no limit for an admin", () => {
    const set = { ...NO_LIMITS_SET, replicas: 3 };
    expect(quotaOf(set, 'user', defaults)).toEqual({ replicas: 3, cpus: 8, memory: 16_384 });
    expect(quotaOf(set, 'admin', defaults)).toEqual({ replicas: 3, cpus: null, memory: null });
  });

  it('counts desired replicas times their spec, CPUs rounded to thousandths', () => {
    const spec = { cpus: 0.1, memory: 64 };
    expect(
      usageOf([
        { desired: 3, spec },
        { desired: 0, spec },
        { desired: 2, spec },
      ]),
    ).toEqual({
      replicas: 5,
      cpus: 0.5,
      memory: 320,
    });
  });

  it('takes a body of whole replicas, CPUs in thousandths and whole MB, nothing else', () => {
    expect(SetQuotaBody.parse({ replicas: 0, cpus: 0.25, memory: null })).toEqual({
      replicas: 0,
      cpus: 0.25,
      memory: null,
    });
    for (const bad of [{ replicas: 1.5 }, { cpus: 0.0001 }, { memory: -1 }, { disk: 1 }])
      expect(SetQuotaBody.safeParse(bad).success).toBe(false);
  });
});
