import { openSecret, type SecretKey } from '@berth/auth';
import { ping, type TlsMaterial } from '@berth/docker';
import type { WatchedEngine } from './watched-engines.js';

export type ProbeResult = { ok: true; responseTimeMs: number } | { ok: false; reason: string };

/** /_ping, and once more on failure: one lost packet must not mark an engine unhealthy. */
export const probeEngine = async (
  engine: WatchedEngine,
  timeoutMs: number,
  secretKey: SecretKey,
): Promise<ProbeResult> => {
  const tls =
    engine.tls === undefined
      ? undefined
      : (JSON.parse(openSecret(secretKey, engine.tls)) as TlsMaterial);
  let reason = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return { ok: true, responseTimeMs: await ping({ addr: engine.addr, tls }, timeoutMs) };
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
  }
  return { ok: false, reason: `no answer to /_ping, twice: ${reason}` };
};

/** Runs `work` over `items` with at most `limit` at a time. */
export const forEachBounded = async <T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
};
