import type { Etcd3, Lease } from 'etcd3';
import { AGENT_KEY_PREFIX, type AgentRegistration } from '@berth/contracts';
import type { Logger } from '@berth/log';

/**
 * Keeps `berth/engines/<id>` in etcd under a lease with keep-alive. If the host dies the lease
 * expires and the key disappears; if etcd drops the lease, a new one is taken. `stop()` says
 * "leaving" and revokes, so a clean exit is a removal, not a loss.
 */
export const registerInEtcd = async (
  etcd: Etcd3,
  registration: AgentRegistration,
  ttlSeconds: number,
  logger: Logger,
) => {
  const key = AGENT_KEY_PREFIX + registration.id;
  let lease: Lease;
  let stopping = false;
  const grant = async (): Promise<void> => {
    lease = etcd.lease(ttlSeconds);
    lease.on('lost', (error: unknown) => {
      if (stopping) return;
      logger.warn({ err: error }, 'etcd lease lost; registering again');
      void retry();
    });
    await lease.put(key).value(JSON.stringify(registration));
  };
  const retry = async () => {
    while (!stopping) {
      try {
        return await grant();
      } catch (error) {
        logger.warn({ err: error }, 'etcd registration failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };
  await grant();
  logger.info({ key, addr: registration.addr, ttlSeconds }, 'registered');
  return {
    stop: async () => {
      stopping = true;
      await lease.put(key).value(JSON.stringify({ ...registration, leaving: true }));
      await lease.revoke();
    },
  };
};
