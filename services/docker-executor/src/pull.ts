import type Docker from 'dockerode';
import { registryOf } from '@berth/contracts';
import { openSecret, type SecretKey } from '@berth/auth';
import { pullImage, type RegistryAuth } from './docker-ops.js';
import type { ExecutorView } from './executor-view.js';

export type PullSettings = { pullIdleMs: number; pullTimeoutMs: number };

/** The credentials an admin set for the image's registry, opened just for this pull. */
export const authFor = (
  view: ExecutorView,
  key: SecretKey,
  image: string,
): RegistryAuth | undefined => {
  const registry = registryOf(image);
  const credentials = view.registries.get(registry);
  return credentials === undefined
    ? undefined
    : {
        username: credentials.username,
        password: openSecret(key, credentials.password),
        serveraddress: registry,
      };
};

/** Pulls `image` on one engine with its registry's credentials, if an admin set any. */
export const pullForEngine = (
  docker: Docker,
  image: string,
  context: { view: ExecutorView; secretKey: SecretKey; settings: PullSettings },
): Promise<void> =>
  pullImage(
    docker,
    image,
    { idleMs: context.settings.pullIdleMs, limitMs: context.settings.pullTimeoutMs },
    authFor(context.view, context.secretKey, image),
  );
