import type { AgentRegistration, JoinEngineBody } from '@berth/contracts';
import type { Logger } from '@berth/log';

type Facts = Omit<AgentRegistration, 'proof' | 'leaving'>;

/** A refusal that joining again will not cure (wrong token, bad facts): the agent exits. */
export class JoinRefused extends Error {}

const post = async (url: string, body: JoinEngineBody) => {
  const response = await fetch(`${url}/agents/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  if (response.ok) return;
  const text = await response.text();
  const message =
    (JSON.parse(text || '{}') as { error?: { message?: string } }).error?.message ?? text;
  if (response.status === 401 || response.status === 400 || response.status === 403)
    throw new JoinRefused(`Berth refused the join: ${message}`);
  throw new Error(`join failed (HTTP ${response.status}): ${message}`);
};

/** How often the agent looks whether a renewal is due, and the most attempts at once. */
const TICK_MS = 1000;
const MAX_ATTEMPTS_IN_FLIGHT = 3;

/**
 * Joins through Berth's API and joins again every third of the ttl, so the registration lives
 * as long as this agent does; if the agent dies it expires. The first join must succeed. Once a
 * renewal is due, a new attempt starts every second until one succeeds, without waiting for
 * the slow ones (a request to a Berth node that just died hangs until its timeout): the
 * registration's ttl runs from the last attempt that succeeded.
 */
export const joinThroughApi = async (
  url: string,
  token: string,
  facts: Facts,
  ttlSeconds: number,
  logger: Logger,
) => {
  const body = { token, ttlSeconds, ...facts };
  let renewedAt = Date.now(); // when the newest attempt that succeeded was sent
  await post(url, body);
  logger.info({ url, id: facts.id, addr: facts.addr, ttlSeconds }, 'registered');
  const renewEveryMs = (ttlSeconds * 1000) / 3;
  const inFlight = new Set<Promise<unknown>>();
  const ticking = setInterval(() => {
    if (Date.now() - renewedAt < renewEveryMs || inFlight.size >= MAX_ATTEMPTS_IN_FLIGHT) return;
    const sentAt = Date.now();
    const attempt = post(url, body).then(
      () => (renewedAt = Math.max(renewedAt, sentAt)),
      (error: unknown) => logger.warn({ err: error }, 'renewal failed; trying again'),
    );
    inFlight.add(attempt);
    void attempt.finally(() => inFlight.delete(attempt));
  }, TICK_MS);
  return {
    stop: async () => {
      clearInterval(ticking);
      // A renewal landing after the goodbye would register the engine again.
      await Promise.all(inFlight);
      await post(url, { ...body, leaving: true });
    },
  };
};
