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

/**
 * Joins through Berth's API and joins again every third of the ttl, so the registration lives
 * as long as this agent does; if the agent dies it expires. The first join must succeed;
 * later failures (Berth restarting) are retried until the next renewal.
 */
export const joinThroughApi = async (
  url: string,
  token: string,
  facts: Facts,
  ttlSeconds: number,
  logger: Logger,
) => {
  const body = { token, ttlSeconds, ...facts };
  await post(url, body);
  logger.info({ url, id: facts.id, addr: facts.addr, ttlSeconds }, 'registered');
  const timer = setInterval(
    () => {
      post(url, body).catch((error: unknown) => logger.warn({ err: error }, 'renewal failed'));
    },
    (ttlSeconds * 1000) / 3,
  );
  return {
    stop: async () => {
      clearInterval(timer);
      await post(url, { ...body, leaving: true });
    },
  };
};
