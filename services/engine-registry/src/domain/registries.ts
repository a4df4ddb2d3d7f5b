import type { RegistryEvent } from '@berth/contracts';
import type { Decider } from '@berth/decider';
import { NotFoundError } from '@berth/errors';

/** Which registries have credentials, and for which username (the password stays sealed). */
export type RegistriesState = Map<string, { username: string }>;

export type RegistriesCommand =
  | { type: 'SetCredentials'; registry: string; username: string; sealedPassword: string }
  | { type: 'RemoveCredentials'; registry: string };

/** The `registries` stream: one set of pull credentials per registry, replaced as a whole. */
export const registriesDecider: Decider<RegistriesCommand, RegistryEvent, RegistriesState> = {
  initialState: new Map(),

  decide(command, state) {
    switch (command.type) {
      case 'SetCredentials':
        return [
          {
            type: 'RegistryCredentialsSet',
            data: {
              registry: command.registry,
              username: command.username,
              password: command.sealedPassword,
            },
          },
        ];
      case 'RemoveCredentials':
        if (!state.has(command.registry))
          throw new NotFoundError(`no credentials for registry ${command.registry}`, {
            field: 'registry',
          });
        return [{ type: 'RegistryCredentialsRemoved', data: { registry: command.registry } }];
    }
  },

  evolve(state, event) {
    const next = new Map(state);
    if (event.type === 'RegistryCredentialsSet')
      next.set(event.data.registry, { username: event.data.username });
    else next.delete(event.data.registry);
    return next;
  },
};
