import {
  Queries,
  REGISTRIES_STREAM,
  RemoveRegistryCredentials,
  SetRegistryCredentials,
  type CommandMetadata,
  type RegistryCredentials,
  type RegistryEvent,
} from '@berth/contracts';
import { sealSecret, type SecretKey } from '@berth/auth';
import { serveCommand, serveQuery, type NatsConnection } from '@berth/bus';
import { handleCommand } from '@berth/decider';
import type { EventLog } from '@berth/eventlog';
import { registriesDecider, type RegistriesCommand } from '../domain/registries.js';

const SERVICE = 'engine-registry';

/**
 * Registry credentials for pulls: set (the password sealed here, before anything is appended),
 * removed and listed — a list that names usernames only.
 */
export const serveRegistryCredentials = (nc: NatsConnection, log: EventLog, key: SecretKey) => {
  const decide = (command: RegistriesCommand, metadata: CommandMetadata) =>
    handleCommand(log, registriesDecider, REGISTRIES_STREAM, command, metadata);
  const endpoints = [
    serveCommand(nc, {
      type: 'SetRegistryCredentials',
      schema: SetRegistryCredentials,
      service: SERVICE,
      handle: ({ data, metadata }) =>
        decide(
          {
            type: 'SetCredentials',
            registry: data.registry,
            username: data.username,
            sealedPassword: sealSecret(key, data.password),
          },
          metadata,
        ),
    }),
    serveCommand(nc, {
      type: 'RemoveRegistryCredentials',
      schema: RemoveRegistryCredentials,
      service: SERVICE,
      handle: ({ data, metadata }) =>
        decide({ type: 'RemoveCredentials', registry: data.registry }, metadata),
    }),
    serveQuery(nc, {
      name: 'ListRegistries',
      schema: Queries.ListRegistries,
      service: SERVICE,
      // Straight from the log: always as new as any position a caller waits for.
      handle: async () => {
        const events = await log.readStream(REGISTRIES_STREAM);
        const registries = new Map<string, RegistryCredentials>();
        for (const event of events) {
          const { type, data } = event as unknown as RegistryEvent;
          if (type === 'RegistryCredentialsSet')
            registries.set(data.registry, {
              registry: data.registry,
              username: data.username,
              setAt: event.at,
            });
          else registries.delete(data.registry);
        }
        return [...registries.values()].sort((a, b) => a.registry.localeCompare(b.registry));
      },
    }),
  ];
  return { stop: () => Promise.all(endpoints.map((e) => e.stop())) };
};
