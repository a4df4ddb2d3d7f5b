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

/** How soon a failed renewal is tried again: three misses in a row would let the ttl run out. */
const RETRY_MS = 1000;

/**
 * Joins through Berth's API and joins again every third of the ttl, so the registration lives
 * as long as this agent does; if the agent dies it expires. The first join must succeed; a
 * later one that fails (Berth restarting, one of its nodes lost) is tried again every second
 * until it succeeds, rather than at the next renewal.
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
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const renewIn = (ms: number) => {
    timer = setTimeout(() => {
      post(url, body).then(
        () => stopped || renewIn((ttlSeconds * 1000) / 3),
        (error: unknown) => {
          logger.warn({ err: error }, 'renewal failed; trying again');
          if (!stopped) renewIn(RETRY_MS);
        },
      );
    }, ms);
  };
  renewIn((ttlSeconds * 1000) / 3);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await post(url, { ...body, leaving: true });
    },
  };
};
