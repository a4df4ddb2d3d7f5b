import type { Etcd3 } from 'etcd3';
import type { SecretKey } from '@berth/auth';
import type { NatsConnection } from '@berth/bus';
import type { EventLog } from '@berth/eventlog';
import type { Logger } from '@berth/log';
import { followAgentRegistrations } from './handlers/agent-registrations.js';
import { serveEngineCommands } from './handlers/commands.js';
import { serveRegistryCredentials } from './handlers/registries.js';

export type EngineRegistryDeps = {
  nc: NatsConnection;
  log: EventLog;
  logger: Logger;
  etcd: Etcd3;
  secretKey: SecretKey;
};

/**
 * Engines added by hand (AddEngine/RemoveEngine) and by agents (etcd); owns `engine-*`, and
 * `registries`: the credentials engines pull with.
 */
export const start = async ({ nc, log, logger, etcd, secretKey }: EngineRegistryDeps) => {
  const commands = serveEngineCommands(nc, log, secretKey, etcd);
  const registries = serveRegistryCredentials(nc, log, secretKey);
  const agents = await followAgentRegistrations(etcd, log, logger, secretKey);
  return { stop: () => Promise.all([commands.stop(), registries.stop(), agents.stop()]) };
};
