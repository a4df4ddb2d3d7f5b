import type { SealedImageSpec } from '@berth/contracts';
import { openSecret, type SecretKey } from '@berth/auth';

/**
 * A spec's secret variables in clear, opened just before Docker gets them and kept nowhere.
 * A value that does not open (sealed under another key) fails the create, naming the variable
 * and never a value.
 */
export const openSecretEnv = (spec: SealedImageSpec, key: SecretKey): Record<string, string> =>
  Object.fromEntries(
    Object.entries(spec.secretEnv ?? {}).map(([name, sealed]) => {
      try {
        return [name, openSecret(key, sealed)];
      } catch {
        throw new Error(`secretEnv.${name} does not open with this cluster's secret key`);
      }
    }),
  );
