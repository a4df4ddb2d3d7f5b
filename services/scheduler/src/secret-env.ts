import type { ImageSpec, SealedImageSpec } from '@berth/contracts';
import { sealSecret, type SecretKey } from '@berth/auth';
import { ValidationError } from '@berth/errors';

/**
 * A run's spec as the log may hold it: every `secretEnv` value sealed under the cluster's key,
 * here, before anything is appended, so no event (and no copy of the log) ever holds one in
 * clear. A name in both `env` and `secretEnv` is refused: which value would the container get?
 */
export const sealSecretEnv = <S extends Pick<ImageSpec, 'env' | 'secretEnv'>>(
  spec: S,
  key: SecretKey,
): S & Pick<SealedImageSpec, 'secretEnv'> => {
  if (spec.secretEnv === undefined) return spec;
  const sealed: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.secretEnv)) {
    if (spec.env?.[name] !== undefined)
      throw new ValidationError(`secretEnv.${name}: ${name} is in env too; give it once`, {
        field: `secretEnv.${name}`,
      });
    sealed[name] = sealSecret(key, value);
  }
  return { ...spec, secretEnv: sealed };
};
