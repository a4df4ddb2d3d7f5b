import { describe, expect, it } from 'vitest';
import { fold } from '@berth/decider';
import { NotFoundError } from '@berth/errors';
import { registriesDecider } from './registries.js';

const set = (registry: string, username: string) =>
  registriesDecider.decide(
    { type: 'SetCredentials', registry, username, sealedPassword: 'v1.SEALED' },
    registriesDecider.initialState,
  );

describe('registries decider', () => {
  it('records the sealed password it is given and folds to the usernames', () => {
    const events = [...set('ghcr.io', 'a'), ...set('127.0.0.1:5000', 'b'), ...set('ghcr.io', 'c')];
    expect(events[0]).toEqual({
      type: 'RegistryCredentialsSet',
      data: { registry: 'ghcr.io', username: 'a', password: 'v1.SEALED' },
    });
    const state = fold(registriesDecider, events);
    expect([...state]).toEqual([
      ['ghcr.io', { username: 'c' }],
      ['127.0.0.1:5000', { username: 'b' }],
    ]);
  });

  it('removes credentials that exist and refuses the others by field', () => {
    const state = fold(registriesDecider, set('ghcr.io', 'a'));
    const removed = registriesDecider.decide(
      { type: 'RemoveCredentials', registry: 'ghcr.io' },
      state,
    );
    expect(fold(registriesDecider, [...set('ghcr.io', 'a'), ...removed]).size).toBe(0);
    expect(() =>
      registriesDecider.decide({ type: 'RemoveCredentials', registry: 'quay.io' }, state),
    ).toThrow(NotFoundError);
  });
});
